/**
 * The waiters of single-isolate mode (host.ts): plain promises that this isolate resolves
 * itself, with no Atomics.waitAsync (inside a workerd request, one neither times out nor
 * sees a notify made by the same request, and the request is cancelled as hung).
 *
 * No lost wake-up: in single-isolate mode every change to a queue is made by this one
 * thread, through unlocked() in wait.ts, which calls wakeLocalWaiters() after each call
 * into the core. A waiter reads the epoch word, tries its operation once more and
 * registers here, all in one synchronous stretch, so no change can fall between its read
 * and its registration; any later change bumps the epoch (queue.ts, I6) before the core
 * call returns, and the scan that follows resolves the waiter.
 *
 * @module
 */

interface LocalWaiter {
  readonly i32: Int32Array;
  readonly index: number;
  readonly expected: number;
  readonly resolve: () => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

// One list per isolate (a module is evaluated once per isolate), shared by every queue
// and every handle in it.
const waiters = new Set<LocalWaiter>();

function finish(waiter: LocalWaiter): void {
  waiters.delete(waiter);
  if (waiter.timer !== undefined) clearTimeout(waiter.timer);
  waiter.resolve();
}

/** A wait until i32[index] is no longer `expected`, or `timeout` ms (Infinity: none). */
export function waitLocally(
  i32: Int32Array, index: number, expected: number, timeout: number,
): { settled: Promise<void>; cancel(): void } {
  let waiter!: LocalWaiter;
  const settled = new Promise<void>((resolve) => {
    waiter = { i32, index, expected, resolve, timer: undefined };
  });
  waiters.add(waiter);
  if (timeout !== Infinity) waiter.timer = setTimeout(() => finish(waiter), timeout);
  return { settled, cancel: () => { if (waiters.has(waiter)) finish(waiter); } };
}

/** Resolves every local waiter whose word changed. Cheap when nobody waits. */
export function wakeLocalWaiters(): void {
  if (waiters.size === 0) return;
  for (const waiter of waiters) {
    if (Atomics.load(waiter.i32, waiter.index) !== waiter.expected) finish(waiter);
  }
}
