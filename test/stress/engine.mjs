// The stress test's driver: exactly once, in order, under load. It runs a number of items
// through a sequence of phases, each a fresh queue worked by several producer and several
// consumer workers and one joiner worker, and counts:
//
//   - every item is got exactly once (a shared bitmap, set by the consumer that got it),
//     with every byte of its payload intact (items.mjs);
//   - each consumer sees each producer's sequence numbers only rise;
//   - join() returns only after the last taskDone(): the joiner checks every join() it
//     makes while the others work, and this thread's final joinAsync() must find every
//     taskDone() call begun;
//   - the final qsize() and unfinishedTasks are 0; after shutdown() every consumer ends
//     on ShutDown.
//
// Phases cycle through four queues: bounded (maxsize 8..256) and unbounded with a byte
// ceiling (8 or 16 MiB, so 1 MiB items make the storage grow and then hit the ceiling),
// each with the "bytes" and the "structured" codec. Workers are node:worker_threads
// workers, and in Deno and Bun a mix of those and Web Workers. Every choice comes from the
// run's seed (random.mjs); a failure names the seed.
//
// Plain JavaScript, so that Node, Deno and Bun run it unmodified; it imports the package by
// name (build it first).
import { Worker as ThreadWorker } from "node:worker_threads";
import { JoinableQueue } from "joinable-queue";
import { phaseSeed, stream } from "./random.mjs";
import { PRODUCERS_DONE, PUTS_RETURNED, TASKS_DONE, sharedFor } from "./shared.mjs";
import { SIZE_DISTRIBUTION } from "./items.mjs";

/** Items per STRESS unit: STRESS=1 is the short run CI makes. */
export const ITEMS_PER_UNIT = 20_000;
/** A phase holds at most this many items (a long run has many phases). */
const PHASE_ITEMS = 250_000;
const MiB = 2 ** 20;

const QUEUES = [
  { codec: "bytes", bounded: true },
  { codec: "bytes", maxBytes: 8 * MiB },
  { codec: "structured", bounded: true },
  { codec: "structured", maxBytes: 16 * MiB },
];

export const runtime = typeof Deno !== "undefined" ? "deno" : typeof Bun !== "undefined" ? "bun" : "node";
export const runtimeVersion = runtime === "deno" ? Deno.version.deno
  : runtime === "bun" ? Bun.version : globalThis.process.versions.node;
/** Every runtime has node:worker_threads; Deno and Bun also have Web Workers. */
const workerKinds = runtime === "node" ? ["worker_threads"] : ["worker_threads", "web"];
const workerUrl = new URL("./worker.mjs", import.meta.url);

export { SIZE_DISTRIBUTION };

/** What a run will do, in one line. */
export function describeRun({ items, seed, producers = 3, consumers = 3 }) {
  return `${items.toLocaleString("en-US")} items, seed ${seed}, ${producers} producers, ${consumers} consumers, ` +
    `1 joiner (${workerKinds.join(" + ")} workers), ${runtime} ${runtimeVersion}`;
}

/**
 * Runs the stress test. Resolves (never rejects) with { ok, failure, ... }: `failure` says
 * what went wrong, the phase, its queue and the seed.
 * @param {object} options
 * @param {number} options.items how many items in all
 * @param {number} options.seed the run's 32-bit seed
 * @param {number} [options.producers] producer workers per phase (3)
 * @param {number} [options.consumers] consumer workers per phase (3)
 * @param {number} [options.stallMs] no progress for this long fails the run as a hang (60 s)
 * @param {number} [options.progressMs] print a progress line this often; 0: never
 * @param {(line: string) => void} [options.log] where progress lines go
 */
export async function runStress({
  items, seed, producers = 3, consumers = 3, stallMs = 60_000, progressMs = 0, log = () => {},
}) {
  if (!Number.isSafeInteger(items) || items < 1) throw new RangeError(`items must be a positive integer, got ${items}`);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new RangeError(`seed must be a 32-bit unsigned integer, got ${seed}`);
  const phases = Math.max(QUEUES.length, Math.ceil(items / PHASE_ITEMS));
  const started = performance.now();
  const totals = { items: 0, bytes: 0, full: 0, empty: 0, aborted: 0, joins: 0, joinTimeouts: 0, calls: {}, maxMemory: {} };
  let current = { done: () => 0, phase: 0, label: "" };
  let lastLine = { at: started, items: 0 };
  const ticker = progressMs > 0 ? setInterval(() => {
    const now = performance.now();
    const got = totals.items + current.done();
    const rate = (got - lastLine.items) / ((now - lastLine.at) / 1000);
    lastLine = { at: now, items: got };
    log(`progress: ${got.toLocaleString("en-US")} / ${items.toLocaleString("en-US")} items ` +
      `(${(100 * got / items).toFixed(1)} %), ${Math.round(rate).toLocaleString("en-US")} items/s, ` +
      `phase ${current.phase + 1}/${phases} (${current.label}), ${((now - started) / 1000).toFixed(0)} s`);
  }, progressMs) : undefined;
  try {
    for (let phase = 0; phase < phases; phase++) {
      const n = Math.floor(items / phases) + (phase < items % phases ? 1 : 0);
      const result = await runPhase({ phase, n, seed, producers, consumers, stallMs, onStart: (c) => { current = c; } });
      if (result.failure) {
        return finish(false, `phase ${phase + 1}/${phases} (${result.label}): ${result.failure}`);
      }
      totals.items += result.items;
      totals.bytes += result.bytes;
      for (const key of ["full", "empty", "aborted", "joins", "joinTimeouts"]) totals[key] += result[key];
      for (const [name, count] of Object.entries(result.calls)) totals.calls[name] = (totals.calls[name] ?? 0) + count;
      const kind = result.label.replace(/maxsize \d+/, "maxsize 8-256");
      totals.maxMemory[kind] = Math.max(totals.maxMemory[kind] ?? 0, result.memoryBytes);
      current = { done: () => 0, phase, label: "" };
    }
    if (totals.items !== items) return finish(false, `got ${totals.items} items in all, expected ${items}`);
    return finish(true, undefined);
  } finally {
    clearInterval(ticker);
  }

  function finish(ok, failure) {
    const seconds = (performance.now() - started) / 1000;
    return {
      ok, failure: failure && `${failure} (seed ${seed}, ${items} items, ${runtime} ${runtimeVersion})`,
      seed, items, phases, seconds, runtime, runtimeVersion, ...totals,
      itemsPerSecond: totals.items / seconds,
    };
  }
}

/** One phase: a fresh queue, its workers, and every check. Resolves with its counts, or
 * with `failure`; never rejects, and leaves no worker running. */
async function runPhase({ phase, n, seed, producers, consumers, stallMs, onStart }) {
  const pSeed = phaseSeed(seed, phase);
  const random = stream(pSeed, 0);
  const shape = QUEUES[phase % QUEUES.length];
  const maxsize = shape.bounded ? random.int(8, 256) : 0;
  const label = `${shape.codec}, ` + (shape.bounded ? `maxsize ${maxsize}` : `unbounded, maxBytes ${shape.maxBytes / MiB} MiB`);
  const counts = Array.from({ length: producers }, (_, p) => Math.floor(n / producers) + (p < n % producers ? 1 : 0));
  const shared = sharedFor(counts);
  const running = [];
  let fail;
  const failed = new Promise((_, reject) => { fail = reject; });
  failed.catch(() => {});
  const race = (promise) => Promise.race([promise, failed]);
  let watchdog;
  onStart({ done: () => Atomics.load(shared.i32, TASKS_DONE), phase, label });
  let q;
  try {
    q = new JoinableQueue({ maxsize, codec: shape.codec, ...(shape.maxBytes ? { maxBytes: shape.maxBytes } : {}) });
    const args = { seed: pSeed, codec: shape.codec, counts, producers, total: n };
    let streamIndex = 1;
    const start = (role, extra) => {
      const kind = workerKinds[(running.length + phase) % workerKinds.length];
      const w = startWorker(kind, { role, handle: q.handle, buffer: shared.buffer, args: { ...args, ...extra, streamIndex: streamIndex++ } });
      w.result.catch((e) => fail(new Error(`${role} (${kind}): ${e.message}`)));
      running.push(w);
      return w;
    };
    const consumerWorkers = Array.from({ length: consumers }, (_, c) => start("consumer", { consumer: c }));
    const joiner = start("joiner", {});
    const producerWorkers = Array.from({ length: producers }, (_, p) => start("producer", { producer: p }));

    // A hang shows as no put returning and no taskDone() beginning for stallMs.
    let progress = -1;
    let lastChange = performance.now();
    watchdog = setInterval(() => {
      const now = Atomics.load(shared.i32, PUTS_RETURNED) + Atomics.load(shared.i32, TASKS_DONE);
      if (now !== progress) {
        progress = now;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > stallMs) {
        fail(new Error(`no progress for ${stallMs / 1000} s: ${state(q, shared, producers)}`));
      }
    }, 1000);

    const produced = await race(Promise.all(producerWorkers.map((w) => w.result)));
    const put = produced.reduce((sum, r) => sum + r.items, 0);
    if (put !== n) throw new Error(`producers put ${put} items, expected ${n}`);

    if (!(await race(q.joinAsync()))) throw new Error("joinAsync() returned false without a timeout");
    const begun = Atomics.load(shared.i32, TASKS_DONE);
    if (begun !== n) throw new Error(`joinAsync() returned after ${begun} taskDone() calls had begun, expected ${n}`);
    const qsize = q.qsize();
    const unfinished = q.unfinishedTasks;
    if (qsize !== 0 || unfinished !== 0) throw new Error(`after join: qsize() = ${qsize}, unfinishedTasks = ${unfinished}, expected 0 and 0`);
    const joined = await race(joiner.result);

    q.shutdown();
    const consumed = await race(Promise.all(consumerWorkers.map((w) => w.result)));
    const got = consumed.reduce((sum, r) => sum + r.items, 0);
    const missing = shared.firstMissing();
    if (missing) throw new Error(`producer ${missing[0]}'s item ${missing[1]} was never got`);
    if (got !== n) throw new Error(`consumers got ${got} items, expected ${n}`);

    const calls = {};
    for (const r of [...produced, ...consumed, joined]) {
      for (const [name, count] of Object.entries(r.calls)) calls[name] = (calls[name] ?? 0) + count;
    }
    const sum = (list, key) => list.reduce((s, r) => s + r[key], 0);
    const bytes = sum(consumed, "bytes");
    if (bytes !== sum(produced, "bytes")) throw new Error(`consumers got ${bytes} payload bytes, producers put ${sum(produced, "bytes")}`);
    return {
      label, items: got, bytes, calls, memoryBytes: q.handle.memory.buffer.byteLength,
      full: sum(produced, "full"), aborted: sum(produced, "aborted") + sum(consumed, "aborted"),
      empty: sum(consumed, "empty"), joins: joined.returned, joinTimeouts: joined.timedOut,
    };
  } catch (e) {
    return { label, failure: e.message };
  } finally {
    clearInterval(watchdog);
    await Promise.all(running.map((w) => w.terminate()));
    q?.close();
  }
}

function state(q, shared, producers) {
  let qsize;
  let unfinished;
  try {
    qsize = q.qsize();
    unfinished = q.unfinishedTasks;
  } catch (e) {
    qsize = unfinished = `(${e.name}: ${e.message})`;
  }
  return `qsize() = ${qsize}, unfinishedTasks = ${unfinished}, ` +
    `${Atomics.load(shared.i32, PUTS_RETURNED)} puts returned, ` +
    `${Atomics.load(shared.i32, TASKS_DONE)} taskDone() calls begun, ` +
    `${Atomics.load(shared.i32, PRODUCERS_DONE)}/${producers} producers done`;
}

/** Starts a stress worker of `kind` with `message`; `result` rejects on its error or exit. */
function startWorker(kind, message) {
  let settle;
  let fail;
  let settled = false;
  const result = new Promise((resolve, reject) => {
    settle = (m) => {
      settled = true;
      if (m.ok) return resolve(m.result);
      reject(new Error(`${m.error.name}: ${m.error.message}\n${m.error.stack ?? ""}`));
    };
    fail = (e) => { if (!settled) { settled = true; reject(e); } };
  });
  result.catch(() => {});
  let terminate;
  if (kind === "worker_threads") {
    const w = new ThreadWorker(workerUrl, { workerData: { mode: "worker_threads", ...message } });
    w.on("message", settle);
    w.on("error", (e) => fail(e));
    w.on("exit", (code) => fail(new Error(`exited (code ${code}) without a result`)));
    terminate = async () => { settled = true; await w.terminate(); };
  } else {
    const w = new globalThis.Worker(workerUrl, { type: "module" });
    w.onmessage = (e) => settle(e.data);
    w.onerror = (e) => { e.preventDefault?.(); fail(new Error(`worker error: ${e.message}`)); };
    w.postMessage(message);
    terminate = async () => { settled = true; w.terminate(); };
  }
  return { result, terminate };
}
