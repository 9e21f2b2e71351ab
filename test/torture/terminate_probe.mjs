// What worker.terminate() really does, asked of the runtime this runs in: for each state a
// worker can be in (idle on its event loop, a synchronous JavaScript loop, blocked in
// Atomics.wait, inside a looping WebAssembly call), does terminate() stop it at once, only
// once it returns to its event loop ("deferred"), or not at all ("ignored")? And can a kill
// land between two statements of a WebAssembly function that has no loop and no call (the
// core's locked sections), as it can inside a loop? terminate_facts.mjs records the answers
// seen here; test/kill_test.ts checks that they still hold.
import {
  AFTER, COPY_TO, ENTER, JS_SPIN, LEAVE, probeModule, READY, SPIN, STOP, WAIT, WOKE,
} from "./probe_wasm.mjs";
import { runtime, sleep, startThread, until } from "./threads.mjs";

const workerUrl = new URL("./probe_worker.mjs", import.meta.url);
const PAGE = 65536;
/** How long to wait for 'exit': a Web Worker has no such event, so there only briefly. */
const exitWait = (kind) => (kind === "web" ? 50 : 2000);

/** The word whose rise shows that the worker is still running in `state`. */
const progressWord = { idle: JS_SPIN, jsSpin: JS_SPIN, microtasks: JS_SPIN, wait: WOKE, wasmSpin: SPIN, wasmCritical: ENTER, wasmLoopy: ENTER };

export const STATES = ["idle", "jsSpin", "microtasks", "wait", "wasmSpin"];

function start(kind, state, memory, args) {
  let failure;
  const thread = startThread(kind, workerUrl, { state, memory, module: probeModule(), args },
    (m) => { if (m?.error) failure = m.error; });
  return { thread, failure: () => failure };
}

async function readyOrThrow(i32, started, what) {
  if (!(await until(() => Atomics.load(i32, READY) === 1, 30_000))) {
    const failure = started.failure();
    throw new Error(`probe worker (${what}) did not start${failure ? `: ${failure.message}` : ""}`);
  }
}

/** Whether `word` stops moving (stays put for `quietMs`) within `boundMs`: a worker that
 * terminate() stopped goes quiet at once (a loaded machine may delay that a little), one
 * that runs on never does. `quietMs` is long enough that a running worker the scheduler
 * left aside for a while is not taken for a stopped one. */
async function goesQuiet(i32, word, quietMs = 600, boundMs = 2000) {
  const end = performance.now() + boundMs;
  let seen = Atomics.load(i32, word);
  let since = performance.now();
  while (performance.now() < end) {
    await sleep(10);
    const now = Atomics.load(i32, word);
    if (now !== seen) { seen = now; since = performance.now(); }
    if (performance.now() - since >= quietMs) return true;
  }
  return false;
}

/**
 * Terminates a worker of `kind` in `state` and says what happened:
 *  - "stopped": it made no progress after terminate() (for "wait": it never woke), and did
 *    not run on once its state ended;
 *  - "deferred": it went on in its state after terminate(), and stopped once it returned to
 *    its event loop;
 *  - "ignored": it went on even on its event loop.
 * `exitMs` is how long a node:worker_threads worker took to emit 'exit' (null: not within
 * 2 s; always null for Web Workers, which have no such event). Deno emits it at once even
 * for a worker that goes on running.
 */
export async function probeState(kind, state) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65535, shared: true });
  const i32 = new Int32Array(memory.buffer);
  const started = start(kind, state, memory, {});
  await readyOrThrow(i32, started, `${kind} ${state}`);
  await sleep(50); // well inside the state (a wait has begun; a loop is hot)
  const t0 = performance.now();
  started.thread.terminate();
  const exit = await Promise.race([started.thread.exited.then(() => performance.now() - t0), sleep(exitWait(kind)).then(() => null)]);
  let wentOn;
  if (state === "wait") {
    await sleep(300);
    Atomics.store(i32, WAIT, 1);
    Atomics.notify(i32, WAIT);
    await sleep(300);
    wentOn = Atomics.load(i32, WOKE) === 1;
  } else {
    wentOn = !(await goesQuiet(i32, progressWord[state]));
  }
  Atomics.store(i32, STOP, 1); // every state ends; a worker still alive goes idle
  await sleep(400);
  const ranOn = Atomics.load(i32, AFTER) > 0;
  const verdict = ranOn ? "ignored" : wentOn ? "deferred" : "stopped";
  return { runtime, kind, state, verdict, exitMs: exit === null ? null : Math.round(exit) };
}

/**
 * Kills a worker that calls `fn` ("critical" or "loopy") back to back, `rounds` times at
 * random moments (from `random()`, in [0, 1)), and counts the kills that landed inside the
 * function (ENTER = LEAVE + 1 once the worker is gone), among those that stopped it at all.
 */
export async function probeSplits(kind, fn, rounds, random) {
  const copyBytes = 4 << 20;
  const pages = Math.ceil((COPY_TO + copyBytes) / PAGE);
  let splits = 0;
  let stoppedInCall = 0;
  for (let round = 0; round < rounds; round++) {
    const memory = new WebAssembly.Memory({ initial: pages, maximum: 65535, shared: true });
    const i32 = new Int32Array(memory.buffer);
    const state = fn === "critical" ? "wasmCritical" : "wasmLoopy";
    const started = start(kind, state, memory, { copyBytes, iterations: 2_000_000 });
    await readyOrThrow(i32, started, `${kind} ${state}`);
    await sleep(5 + random() * 20);
    started.thread.terminate();
    await Promise.race([started.thread.exited, sleep(exitWait(kind))]);
    // Gone when ENTER no longer moves before STOP is set (a deferred kill keeps it moving).
    if (await goesQuiet(i32, ENTER)) {
      stoppedInCall++;
      if (Atomics.load(i32, ENTER) !== Atomics.load(i32, LEAVE)) splits++;
    }
    Atomics.store(i32, STOP, 1);
    await Promise.race([started.thread.exited, sleep(kind === "web" ? 50 : 500)]);
  }
  return { runtime, kind, fn, rounds, stoppedInCall, splits };
}
