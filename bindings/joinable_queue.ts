/// <reference lib="esnext.disposable" preserve="true" />
/**
 * JoinableQueue: Python's multiprocessing.JoinableQueue for JavaScript threads.
 *
 * @module
 */

import { Core } from "./core.ts";
import { builtInCodec, type Codec, codecTag, type CodecName, customCodec, isCodecName, type QueueCodec, resolveCodec } from "./codecs.ts";
import { Closed, Corrupted, Empty, Full, messages, mismatch, problems, ShutDown, typeError } from "./errors.ts";
import { singleIsolateReason } from "./host.ts";
import {
  asyncOptions, blockingOptions, checkBatchSize, checkHandler, checkImmediate, checkItems,
  checkMaxBytes, checkMaxsize, checkModule, checkTimeout, isWasmModule, signalOption, throwIfAborted,
} from "./options.ts";
import { AGAIN, type Attempt, canBlock, deadlineOf, answered, mustRetry, PendingCall, unlocked, waitAsync, waitSync, type WaitWords } from "./wait.ts";

/**
 * What `q.handle` holds: plain and structured-cloneable, so `postMessage` and
 * `workerData` carry it. It holds the shared memory and the compiled core, so a worker
 * attaches without compiling again.
 */
export interface QueueHandle {
  readonly kind: "joinable-queue";
  readonly version: number;
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  readonly codec: string;
}

/** Options of `new JoinableQueue(options)`. */
export interface QueueOptions<T> {
  /** Item limit; `<= 0` or absent is unbounded. Default: 0. */
  maxsize?: number;
  /** Ceiling of the shared storage in bytes, 65536 to 4294901760. Default: 1 GiB. */
  maxBytes?: number;
  /** How items become bytes. Default: "structured" (structuredClone semantics). */
  codec?: CodecName | Codec<T>;
  /** The compiled core, for hosts no entry point fits. */
  module?: WebAssembly.Module;
}

/** Options of the blocking calls. `timeout` is in milliseconds. */
export interface BlockingCallOptions {
  block?: boolean;
  timeout?: number;
}

/** Options of the async calls. `timeout` is in milliseconds. */
export interface AsyncCallOptions {
  timeout?: number;
  signal?: AbortSignal;
}

let defaultModule: (() => WebAssembly.Module) | undefined;
/** Registers how an entry point obtains the compiled core when options.module is absent. */
export function setDefaultModule(get: () => WebAssembly.Module): void {
  defaultModule = get;
}

// attach() builds its queue through the constructor; this carries its arguments.
let attaching: { handle: QueueHandle; codec: QueueCodec<unknown> } | undefined;

const PAGE = 65536;
const DEFAULT_SCRATCH = 16384;
const KEEP_SCRATCH_MAX = 1 << 20; // larger scratch areas go back to the heap after the call
const NO_WAIT: BlockingCallOptions = Object.freeze({ block: false });

/** #takeLarge's answer when another thread took or moved the record it was reading. */
const STALE: unique symbol = Symbol("stale");

function isDataCloneError(e: unknown): boolean {
  return e instanceof Error && e.name === "DataCloneError";
}

function readU32(u8: Uint8Array, at: number): number {
  return (u8[at] | (u8[at + 1] << 8) | (u8[at + 2] << 16) | (u8[at + 3] << 24)) >>> 0;
}

function writeFrameHeader(u8: Uint8Array, at: number, len: number): void {
  const inverse = ~len >>> 0;
  u8[at] = len; u8[at + 1] = len >>> 8; u8[at + 2] = len >>> 16; u8[at + 3] = len >>> 24;
  u8[at + 4] = inverse; u8[at + 5] = inverse >>> 8; u8[at + 6] = inverse >>> 16; u8[at + 7] = inverse >>> 24;
}

function checkHandle(method: string, handle: unknown): QueueHandle {
  const h = handle as Partial<QueueHandle> | null;
  const expected = "a queue's handle (q.handle)";
  if (h === null || typeof h !== "object") throw typeError(method, "handle", expected, handle);
  if (h.kind !== "joinable-queue") {
    throw typeError(method, "handle.kind", `"joinable-queue" (${expected})`, h.kind);
  }
  if (!(h.memory instanceof WebAssembly.Memory)) {
    throw typeError(method, "handle.memory", "a shared WebAssembly.Memory", h.memory);
  }
  if (typeof SharedArrayBuffer === "undefined" || !(h.memory.buffer instanceof SharedArrayBuffer)) {
    throw mismatch(method, "handle.memory", "a shared WebAssembly.Memory", "an unshared WebAssembly.Memory");
  }
  if (!isWasmModule(h.module)) {
    throw typeError(method, "handle.module", "a WebAssembly.Module", h.module);
  }
  if (typeof h.version !== "number") throw typeError(method, "handle.version", "a number", h.version);
  if (typeof h.codec !== "string") throw typeError(method, "handle.codec", "a codec name", h.codec);
  return h as QueueHandle;
}

/**
 * How many Atomics.notify a handle's core has made, for the benchmark (bench/run.mjs) to
 * show that operations with nobody waiting make none. Not exported from the package root.
 */
export let notifiesOf: (q: JoinableQueue<any>) => number;

/**
 * The pause after each look at a held lock that a handle's core was given (bindings/host.ts),
 * for the tests to check that every thread's instance has its engine's. Not exported from
 * the package root.
 */
export let lockPauseOf: (q: JoinableQueue<any>) => number;

function retryPut(core: Core, method: string, scratch: number, len: number): number {
  return unlocked(core, method, () => core.fn.put(scratch, len));
}

function retryTake(core: Core, method: string, scratch: number, max: number): number {
  return unlocked(core, method, () => core.fn.take(scratch, max));
}

function retryTaskDone(core: Core, method: string): number {
  return unlocked(core, method, () => core.fn.taskDone());
}

/**
 * A FIFO work queue shared by threads, with Python's task accounting: every put adds an
 * unfinished task, `taskDone()` finishes one, and `join()` waits until none is left.
 *
 * Guarantees (tested in Node, Deno and Bun):
 * - Every item put is got exactly once, in FIFO order per producer, with any number of
 *   producer and consumer threads; `join()` never returns early and never hangs once
 *   every task is done.
 * - A worker terminated at any moment never leaves the queue locked or corrupted; only
 *   the item it had already taken is lost to it (its task stays unfinished).
 * - Bad input gets a clear error and changes nothing.
 * - Shared memory a buggy thread scribbled over makes calls throw Corrupted (or the
 *   codec's decode error, for damage inside a payload); no call hangs, traps or returns
 *   bytes from outside the queue's storage.
 *
 * Timeouts are in milliseconds. `qsize()`, `empty()`, `full()` and `unfinishedTasks` are
 * snapshots: other threads may change the answer before the caller looks at it.
 *
 * @example
 * ```ts
 * const q = new JoinableQueue<number>();
 * q.put(1);
 * const item = q.get(); // 1
 * q.taskDone();
 * q.join(); // true: no unfinished task
 * ```
 */
export class JoinableQueue<T = unknown> {
  static {
    notifiesOf = (q) => q.#core?.fn.notifies() ?? 0;
    lockPauseOf = (q) => q.#core?.fn.lockPauseSteps() ?? 0;
  }

  /** The item limit; 0 when unbounded. Still readable after close(). */
  readonly maxsize: number;
  #core: Core | undefined; // undefined once closed
  readonly #codec: QueueCodec<T>;
  readonly #handle: QueueHandle;
  readonly #maxItemBytes: number;
  readonly #items: WaitWords; // getters wait here for puts
  readonly #space: WaitWords; // putters wait here for takes
  readonly #done: WaitWords; // joiners wait here for every task put to be done
  #scratch = 0;
  #scratchCap = 0;
  readonly #pending = new Set<PendingCall>();

  /**
   * Creates a queue in a new shared memory.
   * @param options the item limit (a number), or options
   * @throws {TypeError} for a wrong option type, an unknown codec or a non-Module `module`
   * @throws {RangeError} for a fractional or NaN `maxsize`, or `maxBytes` out of range
   */
  constructor(options?: number | QueueOptions<T>) {
    const method = attaching ? "JoinableQueue.attach()" : "new JoinableQueue()";
    let core: Core;
    if (attaching) {
      const { handle, codec } = attaching;
      try {
        core = new Core(handle.module, handle.memory);
      } catch (e) {
        throw mismatch(method, "handle.module", "joinable-queue's compiled core",
          `a module that does not instantiate (${(e as Error).message})`);
      }
      if (handle.version !== core.layoutVersion) {
        throw typeError(method, "handle.version", `layout version ${core.layoutVersion}`, handle.version);
      }
      const status = core.fn.check(codecTag(handle.codec));
      if (status === core.status.BAD_MAGIC) {
        throw mismatch(method, "handle.memory", "a joinable-queue's memory", "a memory without the queue's magic number");
      }
      if (status === core.status.BAD_VERSION) {
        throw mismatch(method, "handle.memory", `a queue of layout version ${core.layoutVersion}`, "a memory of another layout version");
      }
      if (status === core.status.BAD_CODEC) {
        throw mismatch(method, "handle.codec", "the codec of the queue in handle.memory",
          `"${handle.codec}", which that queue was not made with (a forged handle, or parts of two queues' handles)`);
      }
      core.rememberLimits();
      this.#handle = handle;
      this.#codec = codec as QueueCodec<T>;
      this.maxsize = core.fn.maxsize() >>> 0;
    } else {
      let maxsize = 0;
      let opts: QueueOptions<T> = {};
      if (typeof options === "number") {
        maxsize = checkMaxsize(method, "maxsize", options);
      } else if (options !== undefined) {
        if (options === null || typeof options !== "object") {
          throw typeError(method, "options", "a number (maxsize), an options object or undefined", options);
        }
        opts = options;
        maxsize = checkMaxsize(method, "options.maxsize", opts.maxsize);
      }
      const maxBytes = checkMaxBytes(method, opts.maxBytes);
      this.#codec = resolveCodec<T>(method, opts.codec);
      const module = checkModule(method, opts.module) ?? defaultModule?.();
      if (!module) throw new TypeError(messages.noModule());
      const maxPages = Math.floor(maxBytes / PAGE);
      const memory = new WebAssembly.Memory({ initial: 1, maximum: maxPages, shared: true });
      core = new Core(module, memory);
      const status = core.fn.init(maxsize, maxPages, codecTag(this.#codec.name));
      if (status !== core.status.OK) throw this.#error(core, method, status);
      core.rememberLimits();
      this.maxsize = maxsize;
      this.#handle = {
        kind: "joinable-queue", version: core.layoutVersion, memory, module,
        codec: this.#codec.name,
      };
    }
    this.#core = core;
    this.#maxItemBytes = core.fn.maxItemBytes();
    const w = core.words;
    this.#items = { epoch: w.PUT_EPOCH, waiters: w.GET_WAITERS };
    this.#space = { epoch: w.GET_EPOCH, waiters: w.PUT_WAITERS };
    this.#done = { epoch: w.DONE_EPOCH, waiters: w.JOIN_WAITERS };
    this.#ensureScratch(core, method, DEFAULT_SCRATCH, 0);
  }

  /**
   * Attaches to a queue another thread created, from its `handle`.
   * @throws {TypeError} naming what is wrong with the handle, or a codec that does not match
   */
  static attach<T = unknown>(handle: QueueHandle, options?: { codec?: Codec<T> | CodecName }): JoinableQueue<T> {
    const method = "JoinableQueue.attach()";
    const h = checkHandle(method, handle);
    if (options !== undefined && (options === null || typeof options !== "object")) {
      throw typeError(method, "options", "an object or undefined", options);
    }
    const given = options?.codec;
    let codec: QueueCodec<unknown>;
    if (given === undefined) {
      if (!isCodecName(h.codec)) {
        throw new TypeError(`${method}: this queue uses the custom codec "${h.codec}"; pass it as options.codec`);
      }
      codec = builtInCodec(h.codec);
    } else {
      codec = typeof given === "string" && isCodecName(given)
        ? builtInCodec(given)
        : customCodec(method, "options.codec", given);
      if (codec.name !== h.codec) {
        throw mismatch(method, "options.codec", `the queue's codec "${h.codec}"`, `a codec named "${codec.name}"`);
      }
    }
    attaching = { handle: h, codec };
    try {
      return new JoinableQueue<T>();
    } finally {
      attaching = undefined;
    }
  }

  /**
   * The plain object to send to other threads; they call JoinableQueue.attach(handle).
   * @throws {TypeError} where no other thread can share the queue (workerd, Vercel Edge, a
   *   page that is not cross-origin isolated), saying why
   */
  get handle(): QueueHandle {
    this.#live("handle");
    const alone = singleIsolateReason();
    if (alone) throw new TypeError(messages.cannotShare(alone));
    return this.#handle;
  }

  /** Tasks put and not yet marked done (a snapshot). */
  get unfinishedTasks(): number {
    const core = this.#live("unfinishedTasks");
    return this.#unfinished(core, "unfinishedTasks");
  }

  // ---- blocking API ---------------------------------------------------------------------

  /**
   * Puts an item. Blocks while the queue is full (unless `block: false`), at most
   * `timeout` ms.
   * @throws {Full} no room in time; {ShutDown} after shutdown(); {RangeError} an item
   *   larger than maxBytes allows; DataCloneError for what structuredClone rejects
   */
  put(item: T, options?: BlockingCallOptions): void {
    this.#put("put()", item, options);
  }

  #put(method: string, item: T, options: BlockingCallOptions | undefined): void {
    const core = this.#live(method);
    const { block, timeout } = blockingOptions(method, options);
    if (block) this.#mayBlock(core, method, "putAsync()");
    const bytes = this.#encode(core, method, item);
    let result;
    try {
      result = this.#tryPut(core, method, bytes);
      if (result === AGAIN && block) result = this.#waitToPut(core, method, bytes, timeout);
    } finally {
      this.#trimAfterPut(core);
    }
    if (result === AGAIN) throw new Full(messages.full(method, block ? timeout : undefined));
  }

  /** `put(item, { block: false })`. */
  putNowait(item: T): void {
    this.#put("putNowait()", item, NO_WAIT);
  }

  /**
   * Removes and returns the oldest item. Blocks while the queue is empty (unless
   * `block: false`), at most `timeout` ms.
   * @throws {Empty} nothing in time; {ShutDown} once a shut-down queue is empty
   */
  get(options?: BlockingCallOptions): T {
    return this.#get("get()", options);
  }

  #get(method: string, options: BlockingCallOptions | undefined): T {
    const core = this.#live(method);
    const { block, timeout } = blockingOptions(method, options);
    if (block) this.#mayBlock(core, method, "getAsync()");
    let result = this.#takeOne(core, method);
    if (result === AGAIN && block) result = this.#waitToGet(core, method, timeout);
    if (result === AGAIN) throw new Empty(messages.empty(method, block ? timeout : undefined));
    return result;
  }

  /** `get({ block: false })`. */
  getNowait(): T {
    return this.#get("getNowait()", NO_WAIT);
  }

  /**
   * Puts all items at once, in order, or none: waits (within one timeout) until all fit.
   * @throws {RangeError} a batch longer than maxsize, which could never fit
   */
  putMany(items: Iterable<T>, options?: BlockingCallOptions): void {
    const method = "putMany()";
    const core = this.#live(method);
    const { block, timeout } = blockingOptions(method, options);
    const list = checkItems<T>(method, items);
    if (this.maxsize > 0 && list.length > this.maxsize) {
      throw new RangeError(messages.batchTooLong(method, list.length, this.maxsize));
    }
    if (list.length === 0) return;
    if (block) this.#mayBlock(core, method, "putAsync()");
    const frames = this.#encodeBatch(core, method, list);
    const attempt = () => this.#tryPutBatch(core, method, frames, list.length);
    let result;
    try {
      result = block ? waitSync(core.i32, this.#space, deadlineOf(timeout), attempt) : attempt();
    } finally {
      this.#trimAfterPut(core);
    }
    if (result === AGAIN) throw new Full(messages.full(method, block ? timeout : undefined));
  }

  /**
   * Waits for at least one item, then takes up to `max` at once.
   * @throws {RangeError} `max` not a positive integer; {Empty}; {ShutDown}
   */
  getMany(max: number, options?: BlockingCallOptions): T[] {
    const method = "getMany()";
    const core = this.#live(method);
    checkBatchSize(method, max);
    const { block, timeout } = blockingOptions(method, options);
    if (block) this.#mayBlock(core, method, "getAsync()");
    const attempt = this.#takeAttempt(core, method, Math.min(max, 0xffff_ffff));
    const result = block ? waitSync(core.i32, this.#items, deadlineOf(timeout), attempt) : attempt();
    if (result === AGAIN) throw new Empty(messages.empty(method, block ? timeout : undefined));
    return result;
  }

  /**
   * Marks one task done (one earlier get's item processed).
   * @throws {RangeError} when no task is unfinished (called too many times)
   */
  taskDone(): void {
    const method = "taskDone()";
    const core = this.#live(method);
    let status = core.fn.taskDone();
    status = mustRetry(core, status) ? retryTaskDone(core, method) : answered(status);
    if (status === core.status.NONE_UNFINISHED) throw new RangeError(messages.tooManyTaskDone(method));
    if (status !== core.status.OK) throw this.#error(core, method, status);
  }

  /** Python's spelling of taskDone(). */
  task_done(): void {
    this.taskDone();
  }

  /**
   * Blocks until every task put has been marked done, at most `timeout` ms.
   * @returns true when no task is unfinished; false when the timeout passed first
   */
  join(timeout?: number): boolean {
    const method = "join()";
    const core = this.#live(method);
    const ms = checkTimeout(method, "timeout", timeout);
    this.#mayBlock(core, method, "joinAsync()");
    const attempt = () => (this.#unfinished(core, method) === 0 ? true : AGAIN);
    return waitSync(core.i32, this.#done, deadlineOf(ms), attempt) !== AGAIN;
  }

  // ---- async API ------------------------------------------------------------------------

  /** put() that waits without blocking the thread. Rejects with `signal.reason` on abort. */
  async putAsync(item: T, options?: AsyncCallOptions): Promise<void> {
    const method = "putAsync()";
    const core = this.#live(method);
    const { timeout, signal } = asyncOptions(method, options);
    throwIfAborted(signal);
    const bytes = this.#encode(core, method, item).slice(); // ours while we wait
    let result;
    try {
      result = await this.#waitAsync(core, this.#space, timeout, signal,
        () => this.#tryPut(core, method, bytes));
    } finally {
      this.#trimAfterPut(core);
    }
    if (result === AGAIN) throw new Full(messages.full(method, timeout));
  }

  /** get() that waits without blocking the thread. Rejects with `signal.reason` on abort. */
  async getAsync(options?: AsyncCallOptions): Promise<T> {
    const method = "getAsync()";
    const core = this.#live(method);
    const { timeout, signal } = asyncOptions(method, options);
    throwIfAborted(signal);
    const result = await this.#waitAsync(core, this.#items, timeout, signal,
      () => this.#takeOne(core, method));
    if (result === AGAIN) throw new Empty(messages.empty(method, timeout));
    return result;
  }

  /** join() that waits without blocking the thread: true when done, false on timeout. */
  async joinAsync(options?: AsyncCallOptions): Promise<boolean> {
    const method = "joinAsync()";
    const core = this.#live(method);
    const { timeout, signal } = asyncOptions(method, options);
    throwIfAborted(signal);
    const result = await this.#waitAsync(core, this.#done, timeout, signal,
      () => (this.#unfinished(core, method) === 0 ? true : AGAIN));
    return result !== AGAIN;
  }

  /**
   * Gets items until the queue is shut down and empty (or `signal` aborts), calls
   * `handler` on each and marks its task done once the handler settles, even when it
   * throws; then rejects with that error.
   */
  async consume(handler: (item: T) => unknown, options?: { signal?: AbortSignal }): Promise<void> {
    const method = "consume()";
    this.#live(method);
    const handle = checkHandler(method, handler) as (item: T) => unknown;
    const signal = signalOption(method, options);
    throwIfAborted(signal);
    for (;;) {
      let item: T;
      try {
        item = await this.getAsync({ signal });
      } catch (e) {
        if (e instanceof ShutDown) return;
        throw e;
      }
      let failure: { error: unknown } | undefined;
      try {
        await handle(item);
      } catch (error) {
        failure = { error };
      }
      this.taskDone();
      if (failure) throw failure.error;
    }
  }

  /** Yields getAsync() results until the queue is shut down and empty. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      let item: T;
      try {
        item = await this.getAsync();
      } catch (e) {
        if (e instanceof ShutDown) return;
        throw e;
      }
      yield item;
    }
  }

  /** Yields get() results (blocking) until the queue is shut down and empty. */
  *[Symbol.iterator](): Generator<T, void, undefined> {
    for (;;) {
      let item: T;
      try {
        item = this.get();
      } catch (e) {
        if (e instanceof ShutDown) return;
        throw e;
      }
      yield item;
    }
  }

  // ---- observers and lifecycle ----------------------------------------------------------

  /** Items queued now (a snapshot: may be stale by the time it returns). */
  qsize(): number {
    const method = "qsize()";
    const core = this.#live(method);
    const n = unlocked(core, method, () => core.fn.qsize());
    if (n < 0) throw this.#error(core, method, n);
    return n;
  }

  /** `qsize() === 0` (a snapshot). */
  empty(): boolean {
    this.#live("empty()");
    return this.qsize() === 0;
  }

  /** `maxsize > 0 && qsize() >= maxsize` (a snapshot; the byte ceiling shows as Full from put). */
  full(): boolean {
    this.#live("full()");
    return this.maxsize > 0 && this.qsize() >= this.maxsize;
  }

  /**
   * Shuts the queue down for every handle in every thread (Python 3.13): puts throw
   * ShutDown; gets drain what is queued, then throw ShutDown; blocked calls wake. With
   * `immediate`, the queued items are discarded and each counted as done.
   */
  shutdown(immediate?: boolean): void {
    const method = "shutdown()";
    const core = this.#live(method);
    const now = checkImmediate(method, immediate);
    const status = unlocked(core, method, () => core.fn.shutdown(now ? 1 : 0));
    if (status !== core.status.OK) throw this.#error(core, method, status);
  }

  /**
   * Releases this handle (its scratch area); later calls on it throw Closed and its
   * pending async calls reject with Closed. Other handles are unaffected. Idempotent.
   */
  close(): void {
    const core = this.#core;
    if (!core) return;
    this.#core = undefined;
    for (const call of this.#pending) call.stop(new Closed(messages.closed("a pending call")));
    if (this.#scratch !== 0) {
      try {
        unlocked(core, "close()", () => core.fn.freeScratch(this.#scratch));
      } catch {
        // a corrupted memory cannot take the block back; the handle is closed regardless
      }
      this.#scratch = 0;
    }
  }

  /** close(), for `using q = JoinableQueue.attach(handle)`. */
  [Symbol.dispose](): void {
    this.close();
  }

  // ---- internals ------------------------------------------------------------------------

  #live(method: string): Core {
    if (!this.#core) throw new Closed(messages.closed(method));
    return this.#core;
  }

  #mayBlock(core: Core, method: string, asyncMethod: string): void {
    const alone = singleIsolateReason();
    if (alone) throw new TypeError(messages.cannotBlockAlone(method, asyncMethod, alone));
    if (!canBlock(core.i32)) throw new TypeError(messages.cannotBlock(method, asyncMethod));
  }

  #error(core: Core, method: string, status: number): Error {
    const s = core.status;
    switch (status) {
      case s.SHUT_DOWN: return new ShutDown(messages.shutDown(method));
      case s.CORRUPTED: {
        const problem = core.lastProblem();
        return new Corrupted(messages.corrupted(method, problem ? problems[problem] : "a check failed"));
      }
      case s.TOO_BIG: return new RangeError(messages.tooBig(method, NaN, this.#maxItemBytes));
      case s.NO_MEMORY: return new RangeError(messages.noScratch(method, DEFAULT_SCRATCH));
      default: return new Corrupted(messages.corrupted(method, `the core answered ${status}`));
    }
  }

  #unfinished(core: Core, method: string): number {
    const n = unlocked(core, method, () => core.fn.unfinishedTasks());
    if (n < 0) throw this.#error(core, method, n);
    return n;
  }

  /** Encodes an item; a DataCloneError on a shut-down queue reports ShutDown (SPEC order). */
  #encode(core: Core, method: string, item: T): Uint8Array {
    let bytes: Uint8Array;
    try {
      bytes = this.#codec.encode(item);
    } catch (e) {
      if (isDataCloneError(e) && unlocked(core, method, () => core.fn.isShutDown()) === 1) {
        throw new ShutDown(messages.shutDown(method));
      }
      throw e;
    }
    if (bytes.length > this.#maxItemBytes) {
      throw new RangeError(messages.tooBig(method, bytes.length, this.#maxItemBytes));
    }
    return bytes;
  }

  /** Frames every item back to back, as putBatch() takes them from the scratch. Each
   * item is copied as soon as it is encoded: a codec may reuse its output buffer. */
  #encodeBatch(core: Core, method: string, list: T[]): Uint8Array {
    let frames = new Uint8Array(DEFAULT_SCRATCH);
    let at = 0;
    for (const item of list) {
      const bytes = this.#encode(core, method, item);
      const size = core.frameSize(bytes.length);
      if (at + size > this.#maxItemBytes + core.frameHeader) {
        throw new RangeError(messages.tooBig(method, at + size, this.#maxItemBytes));
      }
      if (at + size > frames.length) {
        const larger = new Uint8Array(Math.max(frames.length * 2, at + size));
        larger.set(frames.subarray(0, at));
        frames = larger;
      }
      writeFrameHeader(frames, at, bytes.length);
      frames.set(bytes, at + core.frameHeader);
      at += size;
    }
    return frames.subarray(0, at);
  }

  #tryPut(core: Core, method: string, bytes: Uint8Array): true | typeof AGAIN {
    const len = bytes.length;
    const need = core.frameHeader + len;
    let scratch = this.#scratch;
    if (need > this.#scratchCap) {
      try {
        scratch = this.#ensureScratch(core, method, need, 0);
      } catch (e) {
        if (e instanceof RangeError) return AGAIN; // no memory for the scratch yet: wait as Full
        throw e;
      }
    }
    core.bytesTo(scratch + need).set(bytes, scratch + core.frameHeader);
    let status = core.fn.put(scratch, len);
    status = mustRetry(core, status) ? retryPut(core, method, scratch, len) : answered(status);
    if (status === core.status.OK) return true;
    if (status === core.status.ADOPTED) return this.#adoptedScratch(core);
    if (status === core.status.FULL) return AGAIN;
    throw this.#error(core, method, status);
  }

  #tryPutBatch(core: Core, method: string, frames: Uint8Array, n: number): true | typeof AGAIN {
    let scratch: number;
    try {
      scratch = this.#ensureScratch(core, method, frames.length, 0);
    } catch (e) {
      if (e instanceof RangeError) return AGAIN; // no memory for the scratch yet: wait as Full
      throw e;
    }
    core.bytesTo(scratch + frames.length).set(frames, scratch);
    const status = unlocked(core, method, () => core.fn.putBatch(scratch, frames.length, n));
    if (status === core.status.OK) return true;
    if (status === core.status.ADOPTED) return this.#adoptedScratch(core);
    if (status === core.status.FULL) return AGAIN;
    if (status === core.status.TOO_MANY) {
      throw new RangeError(messages.batchTooLong(method, n, this.maxsize));
    }
    if (status === core.status.TOO_BIG) {
      throw new RangeError(messages.tooBig(method, frames.length, this.#maxItemBytes));
    }
    throw this.#error(core, method, status);
  }

  // put() and get() try once before they make any closure: a function that makes one
  // allocates its captured variables on every call, even when the closure is not made.
  // So the waits, and the retries of the calls into the core, are functions of their own.

  #waitToPut(core: Core, method: string, bytes: Uint8Array, timeout: number | undefined): true | typeof AGAIN {
    return waitSync(core.i32, this.#space, deadlineOf(timeout), () => this.#tryPut(core, method, bytes));
  }

  #waitToGet(core: Core, method: string, timeout: number | undefined): T | typeof AGAIN {
    return waitSync(core.i32, this.#items, deadlineOf(timeout), () => this.#takeOne(core, method));
  }

  /** Takes and decodes the oldest item, or answers AGAIN when there is none. */
  #takeOne(core: Core, method: string): T | typeof AGAIN {
    for (;;) {
      const scratch = this.#scratch;
      let n = core.fn.take(scratch, 1);
      n = mustRetry(core, n) ? retryTake(core, method, scratch, 1) : answered(n);
      if (n === 1) return this.#decodeOne(core, method);
      if (n === core.status.EMPTY) return AGAIN;
      if (n !== core.status.NEED_SCRATCH) throw this.#error(core, method, n);
      const large = this.#takeLarge(core, method);
      if (large !== STALE) return large === AGAIN ? AGAIN : large[0];
    }
  }

  /** Decodes the one record take() just copied to the scratch. */
  #decodeOne(core: Core, method: string): T {
    const base = this.#scratch;
    const end = base + core.fn.takenBytes();
    const u8 = core.bytesTo(end);
    const start = base + core.frameHeader;
    const stop = start + readU32(u8, base);
    // The core checked the frame as it copied it here, but the scratch is shared memory: a
    // length scribbled since then must not reach past what was taken.
    if (stop > end) throw new Corrupted(messages.corrupted(method, problems.SCRATCH));
    const item = this.#codec.decodeRange(u8, start, stop);
    this.#trimScratch(core);
    return item;
  }

  /** An attempt that takes up to `max` records and decodes them before returning, so no
   * other call on this thread can reuse the scratch in between. */
  #takeAttempt(core: Core, method: string, max: number): Attempt<T[]> {
    return () => {
      for (;;) {
        const n = unlocked(core, method, () => core.fn.take(this.#scratch, max));
        if (n > 0) return this.#decode(core, method, n);
        if (n === core.status.EMPTY) return AGAIN;
        if (n !== core.status.NEED_SCRATCH) throw this.#error(core, method, n);
        const large = this.#takeLarge(core, method);
        if (large !== STALE) return large;
      }
    };
  }

  /**
   * Takes the oldest record when it is larger than the scratch, by reading it straight out
   * of the ring (queue.ts, "Records larger than the scratch"): it needs no memory from the
   * heap, which the other handles may hold (waiting for this very take).
   * @returns the item, AGAIN when the queue is empty, or STALE when another thread took or
   *   moved the record first (nothing was taken: try again)
   */
  #takeLarge(core: Core, method: string): T[] | typeof AGAIN | typeof STALE {
    const len = unlocked(core, method, () => core.fn.peek(this.#scratch));
    if (len === core.status.EMPTY) return AGAIN;
    if (len < 0) throw this.#error(core, method, len);
    const note = core.note;
    const base = this.#scratch;
    let u8 = core.bytesTo(base + note.bytes);
    const from = readU32(u8, base + note.from);
    const first = readU32(u8, base + note.first);
    const ring = readU32(u8, base + note.ring);
    const second = readU32(u8, base + note.second);
    if (first + second !== len) throw new Corrupted(messages.corrupted(method, "a record's note does not add up"));
    u8 = core.bytesTo(Math.max(from + first, ring + second));
    const bytes = new Uint8Array(len);
    bytes.set(u8.subarray(from, from + first));
    bytes.set(u8.subarray(ring, ring + second), first);
    const status = unlocked(core, method, () => core.fn.drop(this.#scratch, from, first, ring, second));
    if (status === core.status.STALE) return STALE;
    if (status !== 1) throw this.#error(core, method, status);
    return [this.#codec.decode(bytes)];
  }

  #decode(core: Core, method: string, n: number): T[] {
    const base = this.#scratch;
    const end = base + core.fn.takenBytes();
    const u8 = core.bytesTo(end);
    const codec = this.#codec;
    const items = new Array<T>(n);
    let at = base;
    for (let i = 0; i < n; i++) {
      const len = readU32(u8, at);
      // The core checked these frames as it copied them here, but the scratch is shared
      // memory: a length scribbled since then must not reach past what was taken.
      if (at + core.frameSize(len) > end) throw new Corrupted(messages.corrupted(method, problems.SCRATCH));
      items[i] = codec.decodeRange(u8, at + core.frameHeader, at + core.frameHeader + len);
      at += core.frameSize(len);
    }
    this.#trimScratch(core);
    return items;
  }

  /** The scratch, at least `bytes` long, keeping its first `keep` bytes when it moves. */
  #ensureScratch(core: Core, method: string, bytes: number, keep: number): number {
    if (this.#scratchCap >= bytes) return this.#scratch;
    let block = 0;
    const status = unlocked(core, method, () => {
      block = core.fn.allocScratch(Math.max(bytes, DEFAULT_SCRATCH)) >>> 0;
      return block !== 0 ? core.status.OK : core.fn.scratchStatus();
    });
    if (status === core.status.NO_MEMORY) throw new RangeError(messages.noScratch(method, bytes));
    if (status !== core.status.OK) throw this.#error(core, method, status);
    const old = this.#scratch;
    const capacity = core.fn.scratchCapacity(block);
    if (keep > 0) core.bytesTo(block + keep).copyWithin(block, old, old + keep);
    if (old !== 0) unlocked(core, method, () => core.fn.freeScratch(old));
    this.#scratch = block;
    this.#scratchCap = capacity;
    return block;
  }

  /** After a put answered ADOPTED: the ring grew into this handle's scratch block, and the
   * ring's old block is this handle's scratch now (queue.ts, "Growing into the scratch"). */
  #adoptedScratch(core: Core): true {
    const block = core.fn.scratchAfterAdoption() >>> 0;
    this.#scratch = block;
    this.#scratchCap = core.fn.scratchCapacity(block);
    return true;
  }

  /** After a put, however it ended (an aborted or failed wait too): a large scratch held
   * by an idle handle could keep other putters waiting for memory indefinitely. */
  #trimAfterPut(core: Core): void {
    if (this.#core === core) this.#trimScratch(core); // not once closed: close() freed it
  }

  /** Gives a large scratch back after a large item, so big items do not pin memory. (The
   * work is a method of its own: its closures would cost every call an allocation.) */
  #trimScratch(core: Core): void {
    if (this.#scratchCap > KEEP_SCRATCH_MAX) this.#shrinkScratch(core);
  }

  /** It runs after the call's work is done (an item put or taken), so it must not throw:
   * the small block is allocated before the large one is freed, and when there is no
   * memory for it the large one is kept until the next trim. (Freeing first could leave the
   * handle with no scratch at all, and the caller with an error for a call that succeeded.) */
  #shrinkScratch(core: Core): void {
    let block = 0;
    const status = unlocked(core, "trim", () => {
      block = core.fn.allocScratch(DEFAULT_SCRATCH) >>> 0;
      return block !== 0 ? core.status.OK : core.fn.scratchStatus();
    });
    if (status !== core.status.OK) return;
    const old = this.#scratch;
    this.#scratch = block;
    this.#scratchCap = core.fn.scratchCapacity(block);
    unlocked(core, "trim", () => core.fn.freeScratch(old));
  }

  async #waitAsync<R>(
    core: Core, words: WaitWords, timeout: number | undefined, signal: AbortSignal | undefined,
    attempt: Attempt<R>,
  ): Promise<R | typeof AGAIN> {
    const call = new PendingCall(signal);
    this.#pending.add(call);
    try {
      return await waitAsync(core.i32, words, deadlineOf(timeout), attempt, call);
    } finally {
      call.done();
      this.#pending.delete(call);
    }
  }
}
