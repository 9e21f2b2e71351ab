/**
 * One thread's view of the core: the WebAssembly instance over the queue's shared memory,
 * the status codes and word offsets it exports, and byte views that follow the memory as
 * it grows. Nothing here waits or decides; see wait.ts and joinable_queue.ts.
 *
 * @module
 */

import { Corrupted, messages } from "./errors.ts";
import { lockPauseForThisEngine } from "./host.ts";

/** The functions and constants assembly/index.ts exports. */
interface CoreExports {
  init(maxsize: number, maxPages: number, codecTag: number): number;
  check(codecTag: number): number;
  expectLimits(maxsize: number, maxPages: number): void;
  maxItemBytes(): number;
  maxsize(): number;
  maxPages(): number;
  memoryPages(): number;
  allocScratch(size: number): number;
  scratchStatus(): number;
  scratchCapacity(block: number): number;
  freeScratch(block: number): number;
  put(scratch: number, len: number): number;
  putBatch(scratch: number, bytes: number, n: number): number;
  scratchAfterAdoption(): number;
  take(scratch: number, max: number): number;
  takenBytes(): number;
  peek(scratch: number): number;
  drop(scratch: number, from: number, first: number, ring: number, second: number): number;
  taskDone(): number;
  shutdown(immediate: number): number;
  qsize(): number;
  unfinishedTasks(): number;
  isShutDown(): number;
  problem(): number;
  notifies(): number;
  setLockPause(steps: number): void;
  lockPauseSteps(): number;
}

const STATUS_NAMES = [
  "OK", "EMPTY", "FULL", "SHUT_DOWN", "BUSY", "CORRUPTED", "TOO_BIG", "NEED_SCRATCH",
  "NONE_UNFINISHED", "NO_MEMORY", "TOO_MANY", "BAD_MAGIC", "BAD_VERSION", "BAD_CODEC", "STALE",
  "ADOPTED",
] as const;
const PROBLEM_NAMES = [
  "LOCK", "MAGIC", "VERSION", "STATE", "PAGES", "HEAP_TOP", "RING", "HEAD", "USED", "COUNT",
  "FREE_LIST", "FRAME", "SCRATCH", "BATCH", "MAXSIZE", "SEAL", "TASKS",
] as const;
const WORD_NAMES = [
  "LOCK", "PUT_EPOCH", "GET_EPOCH", "DONE_EPOCH", "GET_WAITERS", "PUT_WAITERS",
  "JOIN_WAITERS",
] as const;

export type StatusName = typeof STATUS_NAMES[number];
export type WordName = typeof WORD_NAMES[number];
export type ProblemName = typeof PROBLEM_NAMES[number];

/** The core's status codes by name (read from the module's exported globals). */
export type Status = Record<StatusName, number>;
/** Int32Array indexes of the shared words the bindings wait on or count waiters in. */
export type Words = Record<WordName, number>;

function globalValue(instance: WebAssembly.Instance, name: string): number {
  const g = instance.exports[name];
  if (!(g instanceof WebAssembly.Global)) {
    throw new TypeError(`joinable-queue core: the module does not export ${name}; is it joinable-queue's core.wasm?`);
  }
  return Number(g.value);
}

/** Byte offsets in the note peek() leaves in a scratch area (assembly/layout.ts). */
export interface Note {
  readonly from: number;
  readonly first: number;
  readonly ring: number;
  readonly second: number;
  readonly bytes: number;
}

export class Core {
  fn: CoreExports;
  readonly status: Status;
  readonly words: Words;
  readonly note: Note;
  readonly frameHeader: number;
  readonly frameAlign: number;
  readonly layoutVersion: number;
  /** PROBLEM_ codes by value: which check a CORRUPTED answer failed. */
  readonly problems: Map<number, ProblemName>;
  /** Int32 view for Atomics: the header lives in the first page, which never moves. */
  readonly i32: Int32Array;
  #memory: WebAssembly.Memory;
  #module: WebAssembly.Module;
  #u8: Uint8Array;
  #limits: [maxsize: number, maxPages: number] | undefined;

  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory) {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    this.#module = module;
    this.fn = Core.#tuned(instance);
    const status = {} as Status;
    for (const name of STATUS_NAMES) status[name] = globalValue(instance, name);
    this.status = status;
    const words = {} as Words;
    for (const name of WORD_NAMES) words[name] = globalValue(instance, name) >>> 2;
    this.words = words;
    this.note = {
      from: globalValue(instance, "NOTE_FROM"), first: globalValue(instance, "NOTE_FIRST"),
      ring: globalValue(instance, "NOTE_RING"), second: globalValue(instance, "NOTE_SECOND"),
      bytes: globalValue(instance, "NOTE_BYTES"),
    };
    this.frameHeader = globalValue(instance, "FRAME_HEADER");
    this.frameAlign = globalValue(instance, "FRAME_ALIGN");
    this.layoutVersion = globalValue(instance, "LAYOUT_VERSION");
    this.problems = new Map(PROBLEM_NAMES.map((name) => [globalValue(instance, `PROBLEM_${name}`), name]));
    this.#memory = memory;
    this.#u8 = new Uint8Array(memory.buffer);
    this.i32 = new Int32Array(memory.buffer, 0, 64);
  }

  /**
   * A byte view of the shared memory long enough to reach `end`, taken afresh when another
   * thread grew the memory. Where `memory.buffer` lags behind a growth made by another
   * thread (seen in Deno's Web Workers), `grow(0)` makes the engine refresh it.
   * @throws {Corrupted} if `end` lies past the memory even then (no read outside it)
   */
  bytesTo(end: number): Uint8Array {
    if (end > this.#u8.length) {
      let buffer = this.#memory.buffer;
      if (end > buffer.byteLength) {
        this.#memory.grow(0);
        buffer = this.#memory.buffer;
      }
      if (end > buffer.byteLength) {
        throw new Corrupted(messages.corrupted("read", `byte ${end} lies past the shared memory's ${buffer.byteLength} bytes`));
      }
      this.#u8 = new Uint8Array(buffer);
    }
    return this.#u8;
  }

  /**
   * Tells this thread's instance the queue's write-once words (item limit, memory ceiling)
   * as they are now, right after init() or check(), so that the core notices if they change
   * later (I7 of queue.ts). A replacement instance (refreshMemory) is told the same values.
   */
  rememberLimits(): void {
    this.#limits = [this.fn.maxsize(), this.fn.maxPages()];
    this.fn.expectLimits(...this.#limits);
  }

  /**
   * Brings this thread's view of the memory size up to date, after the core answered
   * CORRUPTED (which it also does when the heap reaches past the size its instance sees).
   * `grow(0)` from JavaScript refreshes the view in V8; in Bun a worker's instance was seen
   * keeping a stale size even so (under load, after other workers grew the memory and were
   * terminated), and only a new instance over the same memory sees the true size. The
   * instance holds no state of its own between calls, so replacing it loses nothing.
   * @returns whether the view changed (so the failed call is worth trying again)
   */
  refreshMemory(): boolean {
    const before = this.fn.memoryPages();
    this.#memory.grow(0);
    const pages = this.#memory.buffer.byteLength / 65536;
    if (this.fn.memoryPages() < pages) {
      this.fn = Core.#tuned(new WebAssembly.Instance(this.#module, { env: { memory: this.#memory } }));
      if (this.#limits) this.fn.expectLimits(...this.#limits);
    }
    return this.fn.memoryPages() !== before;
  }

  /** An instance's exports, its per-thread settings made (module globals are per instance). */
  static #tuned(instance: WebAssembly.Instance): CoreExports {
    const fn = instance.exports as unknown as CoreExports;
    fn.setLockPause(lockPauseForThisEngine());
    return fn;
  }

  /** Which check this thread's last CORRUPTED answer failed. */
  lastProblem(): ProblemName | undefined {
    return this.problems.get(this.fn.problem());
  }

  /** Size in the ring of a record of `len` payload bytes (header, payload, pad). */
  frameSize(len: number): number {
    const align = this.frameAlign;
    return Math.ceil((this.frameHeader + len) / align) * align;
  }
}
