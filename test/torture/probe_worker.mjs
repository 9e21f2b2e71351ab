// The worker side of the terminate() probes (terminate_probe.mjs): it enters one state and
// stays there, counting in shared words, so the main thread can see whether terminate()
// stopped it. Every state ends by itself once STOP is set, so a worker that terminate()
// did not stop cannot outlive the probe; it then goes idle on its event loop, ticking AFTER.
import { workerMain } from "./threads.mjs";
import { AFTER, JS_SPIN, READY, STOP, WAIT, WOKE } from "./probe_wasm.mjs";

const states = {
  /** Idle on the event loop (the baseline: every runtime stops this). */
  idle(i32) {
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        Atomics.add(i32, JS_SPIN, 1);
        if (Atomics.load(i32, STOP) !== 0) { clearInterval(timer); resolve(); }
      }, 1);
    });
  },
  /** A synchronous JavaScript loop that never returns to the event loop. */
  jsSpin(i32) {
    while (Atomics.load(i32, STOP) === 0) Atomics.add(i32, JS_SPIN, 1);
  },
  /** A loop of awaits that resolve at once: microtasks only, never back to the event loop. */
  async microtasks(i32) {
    while (Atomics.load(i32, STOP) === 0) {
      Atomics.add(i32, JS_SPIN, 1);
      await null;
    }
  },
  /** Blocked in Atomics.wait with no timeout (what a blocking q.get() on an empty queue does). */
  wait(i32) {
    Atomics.wait(i32, WAIT, 0);
    Atomics.store(i32, WOKE, 1);
  },
  /** Inside one long-running WebAssembly call that loops. */
  wasmSpin(_i32, core) {
    core.spin();
  },
  /** Calls critical() back to back: a loop-free function around one large memory.copy. */
  wasmCritical(i32, core, { copyBytes }) {
    while (Atomics.load(i32, STOP) === 0) core.critical(copyBytes);
  },
  /** Calls loopy() back to back: the same, with a loop between the two counters. */
  wasmLoopy(i32, core, { iterations }) {
    while (Atomics.load(i32, STOP) === 0) core.loopy(iterations);
  },
};

workerMain(async ({ state, memory, module, args }) => {
  const i32 = new Int32Array(memory.buffer);
  const core = new WebAssembly.Instance(module, { env: { memory } }).exports;
  Atomics.store(i32, READY, 1);
  await states[state](i32, core, args ?? {});
  let ticks = 0; // a while only: a worker that terminate() did not stop then exits by itself
  const timer = setInterval(() => {
    Atomics.add(i32, AFTER, 1);
    if (++ticks === 100) clearInterval(timer);
  }, 2);
});
