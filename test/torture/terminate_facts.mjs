// What worker.terminate() does in each runtime and kind of worker, as measured by
// terminate_probe.mjs (Node 20.20, Deno 2.9.6, Bun 1.4.5). test/kill_test.ts runs the probes
// and checks that these facts still hold, so a runtime that changes shows up as a failing
// test, not as a torture test that silently kills at other points. The README's
// "terminate() in each runtime" note says the same in prose.
//
// For each state a worker can be in when terminate() is called:
//   "stopped"  it stops there, at once;
//   "deferred" it goes on (a loop keeps looping, Atomics.wait keeps waiting and returns
//              when notified) and stops only later (see `stopsAt`).
// `critical`: how many kills landed inside a WebAssembly function with no loop and no call
// (the shape of the core's locked sections); `loopy`: inside one with a loop, the control.

const STOPPED_EVERYWHERE = { idle: "stopped", jsSpin: "stopped", microtasks: "stopped", wait: "stopped", wasmSpin: "stopped" };
const DENO = {
  states: { idle: "stopped", jsSpin: "deferred", microtasks: "deferred", wait: "deferred", wasmSpin: "deferred" },
  stopsAt: "its next return to its event loop (a macrotask boundary); never inside a call, even 8 s later",
  critical: "never", loopy: "never (the kill never lands inside a call)",
  killsOnlyOnEventLoop: true,
};
const BUN = {
  states: { ...STOPPED_EVERYWHERE, wasmSpin: "deferred" },
  stopsAt: "the next interrupt check in JavaScript; never inside a WebAssembly call, which runs to its end",
  critical: "never", loopy: "never (it stops in JavaScript once the call returns)",
  killsOnlyOnEventLoop: false,
};

const FACTS = {
  node: {
    worker_threads: {
      states: STOPPED_EVERYWHERE,
      stopsAt: "the next interrupt check: in JavaScript, and in WebAssembly at function entries and loop back-edges",
      critical: "never", loopy: "yes (at its loop's back-edge)",
      killsOnlyOnEventLoop: false,
    },
  },
  deno: {
    worker_threads: { ...DENO, exitEventBeforeStop: true },
    web: DENO,
  },
  bun: {
    worker_threads: BUN,
    web: BUN,
  },
};

/** The facts for `runtime` and `kind`, with a one-line summary. */
export function terminateFacts(runtime, kind) {
  const facts = FACTS[runtime]?.[kind];
  if (!facts) throw new Error(`no terminate() facts recorded for ${runtime} ${kind}: run the probes (test/kill_test.ts) and record them`);
  const deferred = Object.entries(facts.states).filter(([, v]) => v === "deferred").map(([k]) => k);
  const summary = deferred.length === 0
    ? `stops a worker at once in every state probed; stops at ${facts.stopsAt}`
    : `does not stop a worker in ${deferred.join(", ")} at once; it stops at ${facts.stopsAt}`;
  return { ...facts, summary };
}
