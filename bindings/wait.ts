/**
 * How a call waits: the other half of queue.ts's "Waiting without lost wake-ups".
 *
 * An operation is tried; when it would block, the caller adds itself to the waiter count,
 * reads the epoch word, tries once more, and only then waits for the epoch to change
 * (Atomics.wait on threads that may block, Atomics.waitAsync otherwise, with a polling
 * fallback where waitAsync is missing; in single-isolate mode, a promise this isolate
 * resolves, see local_waiters.ts). Wakers notify only when the count is non-zero.
 *
 * @module
 */

import { Corrupted, messages } from "./errors.ts";
import type { Core } from "./core.ts";
import { singleIsolateReason } from "./host.ts";
import { waitLocally, wakeLocalWaiters } from "./local_waiters.ts";

/** An operation's answer when it would have to wait. */
export const AGAIN: unique symbol = Symbol("again");
export type Attempt<R> = () => R | typeof AGAIN;

/** Where a kind of waiter waits: the epoch word and its waiter count (Int32 indexes). */
export interface WaitWords {
  readonly epoch: number;
  readonly waiters: number;
}

/** Milliseconds since an arbitrary origin, with sub-millisecond precision. */
export const now = (): number => performance.now();

/** The deadline of a call with this timeout (ms): Infinity for none. */
export function deadlineOf(timeout: number | undefined): number {
  return timeout === undefined || timeout === Infinity ? Infinity : now() + timeout;
}

let blockingAllowed: boolean | undefined;
/** Whether this thread may use Atomics.wait (not on a browser's main thread, for one). */
export function canBlock(i32: Int32Array): boolean {
  if (blockingAllowed === undefined) {
    try {
      Atomics.wait(i32, 0, 0x7fff_fffe, 0); // timeout 0: returns at once where allowed
      blockingAllowed = true;
    } catch {
      blockingAllowed = false;
    }
  }
  return blockingAllowed;
}

/** After this long with the lock held by others, the memory is taken as scribbled over. */
export const LOCK_STUCK_MS = 2000;

/**
 * The longest a waiter sleeps before it tries again (ms). While the memory is sound no
 * wake-up is lost (queue.ts), but a thread that scribbles over a waiter count or an epoch
 * word can make the waker skip its notify; this bounds what that costs: an answer up to a
 * slice late, never a call that sleeps forever beside an item it could take.
 */
export const WAIT_SLICE_MS = 1000;

/**
 * Calls a core function until it answers something other than BUSY (the lock stayed held
 * through the core's whole spin). Backs off by sleeping 50 us on the lock word where the
 * thread may block; a lock held for LOCK_STUCK_MS throws Corrupted. Every call into the
 * core passes here, so this is where single-isolate mode wakes its own waiters.
 */
export function unlocked(core: Core, method: string, call: () => number): number {
  // A CORRUPTED answer may come from a stale view of the memory size: refresh it and try
  // once more (safe: the core answers CORRUPTED before it changes anything).
  const attempt = () => {
    let status = call();
    if (status === core.status.CORRUPTED && core.refreshMemory()) status = call();
    wakeLocalWaiters(); // the call may have bumped an epoch this isolate's waiters watch
    return status;
  };
  let status = attempt();
  if (status !== core.status.BUSY) return status;
  // With no other thread, nobody can be holding the lock: it is damage, reported at once
  // rather than after spinning the only thread for LOCK_STUCK_MS.
  if (singleIsolateReason()) throw new Corrupted(messages.corrupted(method, messages.lockHeldAlone()));
  const started = now();
  for (let tries = 1; ; tries++) {
    if (tries > 16 && canBlock(core.i32)) Atomics.wait(core.i32, core.words.LOCK, 1, 0.05);
    status = attempt();
    if (status !== core.status.BUSY) return status;
    if ((tries & 63) === 0 && now() - started > LOCK_STUCK_MS) {
      throw new Corrupted(messages.corrupted(method, messages.lockStuck(LOCK_STUCK_MS)));
    }
  }
}

/**
 * Whether a core call's answer must be handed to unlocked(): BUSY, or CORRUPTED (which may
 * come from a stale view of the memory size). The hot paths call the core directly and make
 * unlocked()'s closure only then, so that an operation that succeeds at once allocates
 * nothing.
 */
export function mustRetry(core: Core, status: number): boolean {
  return status === core.status.BUSY || status === core.status.CORRUPTED;
}

/** The answer of a direct core call that needs no retry; wakes this isolate's local
 * waiters, as unlocked() does after every call. */
export function answered(status: number): number {
  wakeLocalWaiters();
  return status;
}

/**
 * Tuning of the waits, for the benchmark (bench/run.mjs) to compare settings; not part of
 * the public API (the package exports only its root).
 *
 * spinMicros: how long a blocking call that must wait first watches the epoch word it would
 * wait on, before it registers as a waiter and sleeps in Atomics.wait. An item (or room)
 * that arrives within the spin is taken without a sleep, and its producer makes no
 * Atomics.notify, as nobody registered: both system calls of a sleep and a wake-up are
 * saved. bench/README.md has what it buys on 2 cores. The async calls never spin: they
 * would hold up the rest of their thread's event loop.
 */
export const tuning = { spinMicros: 20 };

/** Watches i32[index] while it holds `value`, for at most tuning.spinMicros and never past
 * `deadline`; true when it changed. */
function spinWhile(i32: Int32Array, index: number, value: number, deadline: number): boolean {
  const micros = tuning.spinMicros;
  if (!(micros > 0)) return false;
  const end = Math.min(deadline, now() + micros / 1000);
  for (let i = 1; ; i++) {
    if (Atomics.load(i32, index) !== value) return true;
    if ((i & 31) === 0 && now() >= end) return false;
  }
}

/**
 * Tries `attempt` until it answers, waiting on `words` between tries (at most
 * WAIT_SLICE_MS at a time), until `deadline` (from deadlineOf). Returns AGAIN when the
 * deadline passed; one last try is made after it.
 */
export function waitSync<R>(
  i32: Int32Array, words: WaitWords, deadline: number, attempt: Attempt<R>,
): R | typeof AGAIN {
  for (;;) {
    const seen = Atomics.load(i32, words.epoch);
    let result = attempt();
    if (result !== AGAIN) return result;
    if (spinWhile(i32, words.epoch, seen, deadline)) continue; // it changed: try again
    Atomics.add(i32, words.waiters, 1);
    try {
      const epoch = Atomics.load(i32, words.epoch);
      result = attempt(); // after registering: a change from now on notifies us
      if (result !== AGAIN) return result;
      const remaining = deadline - now();
      if (remaining <= 0) return AGAIN;
      Atomics.wait(i32, words.epoch, epoch, Math.min(remaining, WAIT_SLICE_MS));
    } finally {
      Atomics.sub(i32, words.waiters, 1);
    }
  }
}

// A pending Atomics.waitAsync does not keep Node, Deno or Bun alive; a pending call
// should, as a pending timer does. One long interval per thread, held while any call waits.
// In workerd the same timer keeps a request that waits for another request's put from
// being cancelled as hung (workerd cancels a request with nothing left that could wake it).
let pendingCalls = 0;
let keepAlive: ReturnType<typeof setInterval> | undefined;
function hold(): void {
  if (pendingCalls++ === 0) keepAlive = setInterval(() => {}, 1 << 30);
}
function unhold(): void {
  if (--pendingCalls === 0) clearInterval(keepAlive);
}

type WaitAsyncResult = { async: false; value: string } | { async: true; value: Promise<string> };
type WaitAsync = (a: Int32Array, i: number, v: number, t?: number) => WaitAsyncResult;

interface Change {
  /** Resolves when the word may no longer hold the expected value, or at the timeout. */
  readonly settled: Promise<unknown>;
  /** Stops watching (for a call stopped early); a native waitAsync cannot be withdrawn. */
  cancel(): void;
}

/** Watches i32[index] until it may no longer be `expected`, or for `timeout` ms. */
function waitChange(i32: Int32Array, index: number, expected: number, timeout: number): Change {
  if (singleIsolateReason()) return waitLocally(i32, index, expected, timeout);
  // Looked up on each call, not once: hosts (and tests) may lack or replace it.
  const waitAsyncNative = (Atomics as unknown as { waitAsync?: WaitAsync }).waitAsync;
  if (typeof waitAsyncNative === "function") {
    const result = waitAsyncNative(i32, index, expected, timeout);
    return { settled: result.async ? result.value : Promise.resolve(result.value), cancel() {} };
  }
  // No waitAsync here: poll, from 1 ms up to 32 ms between looks.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const settled = new Promise((resolve) => {
    const end = now() + timeout;
    let delay = 1;
    const look = () => {
      const left = end - now();
      if (Atomics.load(i32, index) !== expected || left <= 0) return resolve(undefined);
      timer = setTimeout(look, Math.min(delay, left));
      delay = Math.min(delay * 2, 32);
    };
    look();
  });
  return { settled, cancel: () => clearTimeout(timer) };
}

/**
 * One asynchronous call in flight: settles early when its signal aborts or its handle
 * closes. `stopped` rejects with the reason; `reason` is set once stopped.
 */
export class PendingCall {
  readonly stopped: Promise<never>;
  stoppedWith: { reason: unknown } | undefined;
  #reject!: (reason: unknown) => void;
  #signal: AbortSignal | undefined;
  #onAbort = () => this.stop(this.#signal!.reason);

  constructor(signal: AbortSignal | undefined) {
    this.stopped = new Promise<never>((_, reject) => { this.#reject = reject; });
    this.stopped.catch(() => {}); // observed through stoppedWith; never unhandled
    this.#signal = signal;
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    hold();
  }

  stop(reason: unknown): void {
    if (this.stoppedWith) return;
    this.stoppedWith = { reason };
    this.#reject(reason);
  }

  /** Throws the reason if the call was stopped. */
  check(): void {
    if (this.stoppedWith) throw this.stoppedWith.reason;
  }

  done(): void {
    this.#signal?.removeEventListener("abort", this.#onAbort);
    unhold();
  }
}

/** waitSync's asynchronous twin: never blocks the thread; stops when `call` is stopped. */
export async function waitAsync<R>(
  i32: Int32Array, words: WaitWords, deadline: number, attempt: Attempt<R>, call: PendingCall,
): Promise<R | typeof AGAIN> {
  for (;;) {
    call.check();
    let result = attempt();
    if (result !== AGAIN) return result;
    Atomics.add(i32, words.waiters, 1);
    try {
      const epoch = Atomics.load(i32, words.epoch);
      result = attempt();
      if (result !== AGAIN) return result;
      const remaining = deadline - now();
      if (remaining <= 0) return AGAIN;
      const change = waitChange(i32, words.epoch, epoch, Math.min(remaining, WAIT_SLICE_MS));
      try {
        await Promise.race([change.settled, call.stopped]);
      } finally {
        change.cancel();
      }
    } finally {
      Atomics.sub(i32, words.waiters, 1);
    }
  }
}
