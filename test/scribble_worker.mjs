// The victim thread of scribble_test.ts. It owns a queue; the test's thread plays the buggy
// thread that scribbles over the queue's shared memory; then this thread calls every public
// method and reports what each one did and how long it took. It runs in a worker so that a
// call that never returns fails the test (the test stops waiting and terminates it) instead
// of hanging the run.
//
// Protocol (node:worker_threads, in Node, Deno and Bun): the test posts { id, op, ...args };
// during a "calls" op the worker posts { id, started: k } before the k-th call and
// { id, outcome } after it, so that a call that hangs is named and the outcomes before it
// are still checked ("hammer" posts { id, outcomes } in batches); every op ends with
// { id, ok: true, result } or { id, ok: false, error }. The "toggle" op makes this script
// the buggy thread instead, for scribbles that happen while the victim's calls run.
import { parentPort } from "node:worker_threads";
import { JoinableQueue } from "joinable-queue";

/** How long an async call may stay pending before it counts as hung (ms). */
const ASYNC_BOUND_MS = 10_000;

let q; // the queue of the current run

function errorInfo(e) {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: typeof e, message: String(e) };
}

/** Settles with "hung" when `promise` has not settled within ASYNC_BOUND_MS. */
function bounded(promise) {
  let timer;
  return Promise.race([
    promise,
    new Promise((resolve) => { timer = setTimeout(() => resolve(HUNG), ASYNC_BOUND_MS); }),
  ]).finally(() => clearTimeout(timer));
}
const HUNG = Symbol("hung");

/** Joins a queue another thread created (for calls on a queue this thread did not build). */
function attach({ handle }) {
  q?.close();
  q = JoinableQueue.attach(handle);
  return {};
}

/** Runs the queue's setup: puts, gets and taskDones that the test checked against a model. */
function build({ codec, maxsize, maxBytes, steps }) {
  q?.close();
  q = new JoinableQueue({ codec, maxsize, maxBytes });
  for (const step of steps) {
    if (step.op === "put") q.put(step.item, { block: false });
    else if (step.op === "get") q.get({ block: false });
    else q.taskDone();
  }
  return { handle: q.handle };
}

/** After a shutdown the queue drains: these end once it is empty (or throw). */
let shutDown = false;

const calls = {
  qsize: () => q.qsize(),
  empty: () => q.empty(),
  full: () => q.full(),
  unfinishedTasks: () => q.unfinishedTasks,
  get: ({ options }) => q.get(options),
  getNowait: () => q.getNowait(),
  getMany: ({ max, options }) => q.getMany(max, options),
  put: ({ item, options }) => q.put(item, options),
  putNowait: ({ item }) => q.putNowait(item),
  putMany: ({ items, options }) => q.putMany(items, options),
  taskDone: () => q.taskDone(),
  task_done: () => q.task_done(),
  join: ({ timeout }) => q.join(timeout),
  putAsync: ({ item, options }) => q.putAsync(item, options),
  getAsync: ({ options }) => q.getAsync(options),
  joinAsync: ({ options }) => q.joinAsync(options),
  attach: () => {
    const other = JoinableQueue.attach(q.handle);
    other.close(); // gives its scratch block back: the heap's free path
    return "attached";
  },
  shutdown: ({ immediate }) => {
    q.shutdown(immediate);
    shutDown = true;
  },
  // Only after a shutdown that succeeded: on an open queue these would wait for items.
  iterate: () => (shutDown ? [...q] : "skipped"),
  iterateAsync: async () => {
    if (!shutDown) return "skipped";
    const got = [];
    for await (const item of q) got.push(item);
    return got;
  },
  consume: async () => {
    if (!shutDown) return "skipped";
    const got = [];
    await q.consume((item) => { got.push(item); });
    return got;
  },
  close: () => q.close(),
};

/** Makes one call and says how it went: its value, its error, or that it hung. */
async function outcomeOf(call) {
  const started = performance.now();
  let outcome;
  try {
    let value = calls[call.kind](call);
    if (value instanceof Promise) value = await bounded(value);
    outcome = value === HUNG ? { hung: true } : { ok: true, value };
  } catch (e) {
    outcome = { ok: false, error: errorInfo(e) };
  }
  outcome.kind = call.kind;
  outcome.ms = performance.now() - started;
  return outcome;
}

/** Calls each of `list` in order, posting one outcome per call. */
async function callAll({ id, list }) {
  shutDown = false;
  for (let k = 0; k < list.length; k++) {
    const call = list[k];
    parentPort.postMessage({ id, started: k });
    const outcome = await outcomeOf(call);
    try {
      parentPort.postMessage({ id, outcome });
    } catch (e) {
      // a value postMessage cannot clone: say so (the test counts it as a failure)
      parentPort.postMessage({ id, outcome: { kind: call.kind, ms: outcome.ms, ok: false, error: { name: "Uncloneable", message: String(e) } } });
    }
  }
  return list.length;
}

/** Repeats the calls of `list` for `ms` milliseconds (while another thread scribbles),
 * posting the outcomes in batches. */
async function hammer({ id, list, ms }) {
  const end = performance.now() + ms;
  let batch = [];
  let rounds = 0;
  for (; performance.now() < end; rounds++) {
    for (const call of list) {
      if (performance.now() >= end) break;
      batch.push(await outcomeOf(call));
    }
    if (batch.length >= 256) {
      parentPort.postMessage({ id, outcomes: batch });
      batch = [];
    }
  }
  parentPort.postMessage({ id, outcomes: batch });
  return rounds;
}

/** The buggy thread at work: writes `values` in turn to the u32 at byte `at` of `memory`
 * for `ms` milliseconds, as fast as it can, then puts back what was there. */
function toggle({ memory, at, values, ms }) {
  memory.grow(0);
  const i32 = new Int32Array(memory.buffer);
  const k = at >> 2;
  const original = i32[k];
  const end = performance.now() + ms;
  let writes = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 4096; i++) i32[k] = values[i % values.length];
    writes += 4096;
  }
  i32[k] = original;
  return writes;
}

const ops = { attach, build, calls: callAll, hammer, toggle };

parentPort.on("message", async ({ op, ...args }) => {
  try {
    parentPort.postMessage({ id: args.id, ok: true, result: await ops[op](args) });
  } catch (e) {
    parentPort.postMessage({ id: args.id, ok: false, error: errorInfo(e) });
  }
});
