// The kill-safety torture: producer and consumer workers on a shared queue, a killer on the
// main thread that terminates one of them at a random moment (or while it is in a large
// put or a batch call), starts a replacement and goes on; after each kill the queue must
// answer at once, and at the end the survivors drain it and the books must balance:
//   - no item got twice, none got that was never put, none torn (every byte checked);
//   - per consumer, each producer's items in the order they were put;
//   - every item whose put returned was got, except those a killed consumer held when it
//     died, at most what its call could return (HOLDING);
//   - unfinishedTasks is exactly what killed consumers took and did not mark done, within
//     the same bound; the lock word is free once everyone is quiet.
// Several queues in turn (a bounded one, an unbounded one with a small maxBytes so that the
// ring grows and the ceiling is reached, one with the structured codec), each for a share of
// the kills: a killed worker's scratch block stays allocated, so no queue lives forever.
//
// Plain JavaScript so that scripts/torture.mjs (the long run) and test/kill_test.ts (the
// short one) run the same code in Node, Deno and Bun.
import { JoinableQueue } from "joinable-queue";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import {
  ATTEMPTING, BAD, BEAT, COMMITTED, CONSUMER, CURSOR, DONE, entryProducer, entrySlot, FINISHED,
  GOT_LARGE, HOLDING, IN_TASK_DONE, LOGGED, newBoard, P_GET, P_GET_ASYNC, P_GET_MANY, P_PUT,
  P_PUT_ASYNC, P_PUT_LARGE, P_PUT_MANY, PHASE, PHASE_NAMES, PRODUCED, PRODUCER, ROLE, slotView,
  STARTED, STOP,
} from "./board.mjs";
import { consume } from "./roles.mjs";
import { runtime, sleep, startThread, workerKinds } from "./threads.mjs";
import { terminateFacts } from "./terminate_facts.mjs";

const workerUrl = new URL("./torture_worker.mjs", import.meta.url);

/** The queues, in turn. */
export const QUEUES = [
  { name: "bounded", options: { maxsize: 16, codec: "bytes" }, largeShare: 0.04 },
  { name: "maxBytes", options: { maxBytes: 96 << 20, codec: "bytes" }, largeShare: 0.06 },
  { name: "structured", options: { maxsize: 64, codec: "structured" }, largeShare: 0.02 },
];

const BOUND_MS = 60_000; // how long any phase may take before the run fails as stuck
const QUIET_MS = 300; // a killed worker whose BEAT has not moved for this long is gone

/** A 0.2 ms pause that blocks this thread (for polling the board without missing a phase). */
const pause = (() => {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return () => Atomics.wait(cell, 0, 0, 0.2);
})();

async function within(ms, test) {
  const end = performance.now() + ms;
  while (!test()) {
    if (performance.now() > end) return false;
    await sleep(5);
  }
  return true;
}

/**
 * Runs the torture and returns its summary; `failures` is empty when every check held.
 * Options: kills (total), seed, kinds (worker kinds to draw from), killsPerQueue,
 * producers and consumers (live at any time), limit (items per queue), roles (which
 * roles may be killed), fault (inject a known fault, to show the checks catch it: "lock",
 * "duplicate", "torn", "drop"), progress (called with a line of text now and then).
 */
export async function torture(options = {}) {
  const {
    kills = 24, seed = Math.floor(Math.random() * 2 ** 31), kinds = workerKinds, killsPerQueue = 12,
    producers = 3, consumers = 3, limit = 150_000, roles = ["producer", "consumer"], fault,
    progress = () => {},
  } = options;
  const rng = xoroshiro128plus(seed);
  const rand = { int: (a, b) => uniformInt(rng, a, b), float: () => uniformFloat64(rng) };
  const summary = {
    runtime, seed, kinds, killsRequested: kills, kills: 0, killed: { producer: 0, consumer: 0 },
    byKind: {}, phaseAtKill: {}, stoppedIn: {}, queues: 0, items: 0, large: 0, lostWithKilled: 0,
    unlogged: 0, cutPuts: 0, cutPutsThatPut: 0, leakedWaiters: 0, maxAnswerMs: 0, seconds: 0, failures: [],
    terminate: kinds.map((kind) => `${kind}: ${terminateFacts(runtime, kind).summary}`),
  };
  const started = performance.now();
  for (let n = 0; summary.kills < kills && summary.failures.length === 0; n++) {
    const config = QUEUES[n % QUEUES.length];
    const quota = Math.min(killsPerQueue, kills - summary.kills);
    await tortureQueue({ config, quota, rand, kinds, producers, consumers, limit, roles, fault, summary, progress });
    summary.queues++;
    progress(`${config.name} queue done: ${summary.kills}/${kills} kills, ${summary.items} items, ` +
      `${summary.lostWithKilled} lost with killed consumers, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

async function tortureQueue({ config, quota, rand, kinds, producers, consumers, limit, roles, fault, summary, progress }) {
  const fail = (what) => { summary.failures.push(`${config.name} queue: ${what}`); };
  const q = new JoinableQueue(config.options);
  const codec = config.options.codec;
  const slots = producers + consumers + quota + 1;
  const { board, log } = newBoard(slots, limit);
  const words = new WebAssembly.Instance(q.handle.module, { env: { memory: q.handle.memory } }).exports;
  const shared = new Int32Array(q.handle.memory.buffer, 0, 64);
  const wordIndex = (name) => words[name].value >>> 2;
  const workers = [];
  let nextProducer = 0;
  const yieldEachCall = terminateFacts(runtime, kinds[0]).killsOnlyOnEventLoop;

  const start = (role) => {
    const slot = workers.length;
    const kind = kinds[rand.int(0, kinds.length - 1)];
    const me = slotView(board, slot);
    me.set(ROLE, role === "producer" ? PRODUCER : CONSUMER);
    const w = { slot, role, kind, killed: false, errors: [], bad: [], me };
    if (role === "producer") w.producer = nextProducer++;
    const withFault = (fault === "torn" && role === "producer" && w.producer === 0) ||
      (fault === "duplicate" && role === "consumer" && slot === producers) ? fault : undefined;
    w.planted = withFault !== undefined; // never killed: a kill would take the fault with it
    w.thread = startThread(kind, workerUrl, {
      role, handle: q.handle, board, log, slot, producer: w.producer, seed: rand.int(1, 2 ** 31 - 1),
      codec, largeShare: config.largeShare, maxBatch: 8, yieldEachCall, fault: withFault,
    }, (m) => {
      if (m?.error) w.errors.push(m.error);
      if (m?.bad) w.bad.push(m.bad);
    });
    workers.push(w);
    return w;
  };
  const live = (role) => workers.filter((w) => w.role === role && !w.killed);
  const killable = (role) => live(role).filter((w) => !w.planted && w.me.get(STARTED) === 1);
  /** Errors from workers: any error of a survivor, and of a killed worker anything but the
   * ShutDown that a Deno worker still running after terminate() may meet at the end. */
  const workerErrors = () => workers.flatMap((w) => w.errors
    .filter((e) => !(w.killed && e.name === "ShutDown"))
    .map((e) => `${w.role} ${w.slot} (${w.kind}${w.killed ? ", killed" : ""}): ${e.name}: ${e.message}`));
  const total = (field, list = workers) => list.reduce((n, w) => n + w.me.get(field), 0);

  try {
    for (let i = 0; i < producers; i++) start("producer");
    for (let i = 0; i < consumers; i++) start("consumer");
    if (!(await within(BOUND_MS, () => workers.every((w) => w.me.get(STARTED) === 1 || w.errors.length > 0)))) {
      return fail(`workers did not start within ${BOUND_MS} ms`);
    }
    if (fault === "drop") { // an item lost by the queue itself: the books must show it
      for (let dropped = false; !dropped;) {
        await within(BOUND_MS, () => q.qsize() > 0);
        try {
          q.get({ block: false });
          q.taskDone();
          dropped = true;
        } catch (e) {
          if (e.name !== "Empty") throw e;
        }
      }
      await sleep(20);
    }

    let lastProgress = -1;
    for (let k = 0; k < quota;) {
      const errors = workerErrors();
      if (errors.length > 0) return fail(`a worker failed: ${errors[0]}`);
      // The survivors go on after every kill: something is put or got before the next one.
      const moved = () => Atomics.load(board, PRODUCED) + total(LOGGED);
      const quotaUsed = () => Atomics.load(board, PRODUCED) >= limit;
      if (!(await within(BOUND_MS, () => moved() !== lastProgress || (quotaUsed() && q.qsize() === 0)))) {
        return fail(`no item put or got for ${BOUND_MS} ms after kill ${summary.kills}`);
      }
      if (quotaUsed() && q.qsize() === 0) break; // this queue's items are all moved
      lastProgress = moved();

      const role = roles[rand.int(0, roles.length - 1)];
      const wanted = rand.float();
      const targets = wanted < 0.5 ? null
        : role === "producer" ? (wanted < 0.75 ? [P_PUT_LARGE] : [P_PUT_MANY, P_PUT, P_PUT_ASYNC])
        : (wanted < 0.75 ? [P_GET_MANY] : [P_GET, P_GET_ASYNC]);
      let victim;
      if (targets === null) { // a random one at a random moment
        await sleep(rand.int(0, 100));
        const candidates = killable(role);
        victim = candidates[rand.int(0, Math.max(0, candidates.length - 1))];
      } else { // the first seen in a call of the wanted kind, within 300 ms
        const end = performance.now() + 300;
        const candidates = killable(role);
        while (!victim && performance.now() < end) {
          victim = candidates.find((w) => targets.includes(w.me.get(PHASE)));
          if (!victim) pause();
        }
        victim ??= candidates[rand.int(0, Math.max(0, candidates.length - 1))];
      }
      if (!victim) { // every worker of that role is a replacement still starting
        await sleep(5);
        continue;
      }
      k++;
      const phase = PHASE_NAMES[victim.me.get(PHASE)];
      victim.thread.terminate();
      victim.killed = true;
      summary.kills++;
      summary.killed[role]++;
      summary.byKind[victim.kind] = (summary.byKind[victim.kind] ?? 0) + 1;
      summary.phaseAtKill[phase] = (summary.phaseAtKill[phase] ?? 0) + 1;
      start(role);
      await Promise.race([victim.thread.exited, sleep(20)]);
      if (fault === "lock" && k === 1) {
        // Take the lock as a thread does, and never release it, as if that thread died
        // holding it. (A plain store of 1 would race with a live holder, whose release
        // would then undo the fault.)
        while (Atomics.compareExchange(shared, wordIndex("LOCK"), 0, 1) !== 0);
      }
      // The queue answers at once: the lock is free, the header consistent (every call checks).
      const t0 = performance.now();
      try {
        q.qsize();
        void q.unfinishedTasks;
      } catch (e) {
        return fail(`the queue is locked or corrupted after kill ${summary.kills} (a ${role} in ${phase}): ${e.name}: ${e.message}`);
      }
      summary.maxAnswerMs = Math.max(summary.maxAnswerMs, performance.now() - t0);
      if (summary.kills % 10 === 0) {
        progress(`${summary.kills} kills (${summary.killed.producer} producers, ${summary.killed.consumer} consumers), ` +
          `${total(LOGGED)} items got from the ${config.name} queue`);
      }
    }

    // The end: producers finish their call, the queue is shut down, the survivors drain it.
    Atomics.store(board, STOP, 1);
    if (!(await within(BOUND_MS, () => live("producer").every((w) => w.me.get(FINISHED) === 1 || w.errors.length > 0)))) {
      return fail(`surviving producers did not finish within ${BOUND_MS} ms`);
    }
    q.shutdown();
    if (!(await within(BOUND_MS, () => live("consumer").every((w) => w.me.get(FINISHED) === 1 || w.errors.length > 0)))) {
      return fail(`surviving consumers did not drain the queue within ${BOUND_MS} ms`);
    }
    const drainer = { slot: workers.length, role: "consumer", kind: "main", killed: false, errors: [], bad: [], me: slotView(board, workers.length) };
    drainer.me.set(ROLE, CONSUMER);
    workers.push(drainer);
    await consume(q, { board, log, slot: drainer.slot, seed: 1, codec, block: false, onBad: (m) => drainer.bad.push(m) });
    // Killed workers are quiet (a Deno worker may have run on to its next event-loop turn).
    const killed = workers.filter((w) => w.killed);
    let beats = killed.map((w) => w.me.get(BEAT));
    let quietSince = performance.now();
    const quiet = await within(BOUND_MS, () => {
      const now = killed.map((w) => w.me.get(BEAT));
      if (now.some((b, i) => b !== beats[i])) { beats = now; quietSince = performance.now(); }
      return performance.now() - quietSince >= QUIET_MS;
    });
    if (!quiet) return fail(`killed workers still ran ${BOUND_MS} ms after the end`);
    const errors = workerErrors();
    if (errors.length > 0) return fail(`a worker failed: ${errors[0]}`);
    for (const w of killed) {
      const where = PHASE_NAMES[w.me.get(PHASE)];
      summary.stoppedIn[where] = (summary.stoppedIn[where] ?? 0) + 1;
    }
    checkBooks({ q, board, log, workers, shared, wordIndex, summary, fail });
  } finally {
    // After a failure some workers may still wait in the queue; a Deno worker that waits is
    // not stopped by terminate(), so wake everyone first (undoing an injected lock).
    if (fault === "lock") Atomics.store(shared, wordIndex("LOCK"), 0);
    Atomics.store(board, STOP, 1);
    try {
      q.shutdown(true);
    } catch {
      // a queue that cannot be shut down is already reported
    }
    for (const w of workers) w.thread?.terminate();
    q.close();
  }
}

/** The accounting at the end of one queue's run; see the top of this file. */
function checkBooks({ q, board, log, workers, shared, wordIndex, summary, fail }) {
  const producers = workers.filter((w) => w.role === "producer");
  const consumers = workers.filter((w) => w.role === "consumer");
  const killedConsumers = consumers.filter((w) => w.killed);
  const bad = consumers.flatMap((w) => w.bad);
  if (total(BAD) > 0) fail(`${total(BAD)} items torn or mixed up, first: ${bad[0] ?? "(no message)"}`);

  const seen = producers.map((w) => new Uint8Array(w.me.get(ATTEMPTING)));
  const last = new Map(); // `${slot}:${producer}` -> last seq
  const entries = Atomics.load(board, CURSOR);
  let unwritten = 0;
  let got = 0;
  for (let i = 0; i < entries; i++) {
    const word = Atomics.load(log, 2 * i);
    if (word === 0) { unwritten++; continue; }
    const p = entryProducer(word);
    const slot = entrySlot(word);
    const seq = log[2 * i + 1];
    got++;
    if (p >= producers.length || seq >= seen[p].length) {
      fail(`consumer ${slot} got item ${p}:${seq}, which no put was ever given`);
      return;
    }
    if (seen[p][seq]) { fail(`item ${p}:${seq} was got twice (the second time by consumer ${slot})`); return; }
    seen[p][seq] = 1;
    const key = `${slot}:${p}`;
    if ((last.get(key) ?? -1) > seq) {
      fail(`consumer ${slot} got producer ${p}'s item ${seq} after its item ${last.get(key)}`);
      return;
    }
    last.set(key, seq);
  }

  let missing = 0;
  let firstMissing = "";
  for (const w of producers) {
    const committed = w.me.get(COMMITTED);
    if (!w.killed && committed !== w.me.get(ATTEMPTING)) fail(`surviving producer ${w.producer} left a put unfinished`);
    for (let seq = 0; seq < committed; seq++) {
      if (!seen[w.producer][seq]) { missing++; firstMissing ||= `${w.producer}:${seq}`; }
    }
  }
  // Calls a kill cut short (a killed producer's last ATTEMPTING - COMMITTED items): each put
  // all of its items or none, so one that put some put all, and any not got are missing.
  for (const w of producers.filter((p) => p.killed)) {
    const from = w.me.get(COMMITTED);
    const to = w.me.get(ATTEMPTING);
    if (to === from) continue;
    let got = 0;
    for (let seq = from; seq < to; seq++) got += seen[w.producer][seq];
    summary.cutPuts++;
    if (got > 0) summary.cutPutsThatPut++;
    if (got > 0 && got < to - from) {
      missing += to - from - got;
      firstMissing ||= `${w.producer}:${from}..${to - 1} (a cut putMany)`;
    }
  }
  const holdingMax = total(HOLDING, killedConsumers);
  if (missing > holdingMax) {
    fail(`${missing} items whose put returned were never got (first ${firstMissing}); killed consumers could hold at most ${holdingMax}`);
  }
  if (unwritten > holdingMax) fail(`${unwritten} log entries reserved and never written, more than killed consumers held (${holdingMax})`);
  for (const w of consumers.filter((c) => !c.killed)) {
    if (w.me.get(FINISHED) !== 1 || w.me.get(DONE) !== w.me.get(LOGGED) || w.me.get(IN_TASK_DONE) !== 0) {
      fail(`surviving consumer ${w.slot} ended with ${w.me.get(LOGGED)} items got and ${w.me.get(DONE)} marked done`);
    }
  }

  // Tasks left unfinished: those killed consumers took and did not mark done.
  const unfinished = q.unfinishedTasks;
  const loggedNotDone = killedConsumers.reduce((n, w) => n + w.me.get(LOGGED) - w.me.get(DONE), 0);
  const low = loggedNotDone - total(IN_TASK_DONE, killedConsumers) + missing;
  const high = loggedNotDone + holdingMax;
  if (unfinished < low || unfinished > high) {
    fail(`unfinishedTasks is ${unfinished}, expected between ${low} and ${high} (items killed consumers took and did not mark done)`);
  }
  if (q.qsize() !== 0) fail(`qsize() is ${q.qsize()} after the drain`);
  const lock = Atomics.load(shared, wordIndex("LOCK"));
  if (lock !== 0) fail(`the lock word is ${lock} with every thread quiet`);
  const waiters = ["GET_WAITERS", "PUT_WAITERS", "JOIN_WAITERS"].map((name) => Atomics.load(shared, wordIndex(name)));
  const kills = workers.filter((w) => w.killed).length;
  if (waiters.some((n) => n < 0) || waiters.reduce((a, b) => a + b, 0) > kills) {
    fail(`waiter counts ${waiters.join(", ")} with ${kills} killed threads (each may leave at most one behind)`);
  }
  summary.items += got;
  summary.large += total(GOT_LARGE, consumers);
  summary.lostWithKilled += unfinished;
  summary.unlogged += Math.max(0, unfinished - loggedNotDone);
  summary.leakedWaiters += waiters.reduce((a, b) => a + b, 0);

  function total(field, list = workers) {
    return list.reduce((n, w) => n + w.me.get(field), 0);
  }
}

/** The summary as plain lines. */
export function describeSummary(s) {
  const by = (o) => Object.entries(o).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ") || "-";
  return [
    `${s.runtime}: ${s.failures.length === 0 ? "OK" : "FAIL"}  ${s.kills} kills (${s.killed.producer} producers, ${s.killed.consumer} consumers; ${by(s.byKind)}) on ${s.queues} queues in ${s.seconds.toFixed(1)} s, seed ${s.seed}`,
    `  items got ${s.items} (${s.large} of 256 KiB to 1 MiB), lost with killed consumers ${s.lostWithKilled} (${s.unlogged} of them taken but not yet logged), waiter counts left by killed waiters ${s.leakedWaiters}`,
    `  puts cut short by a kill ${s.cutPuts}, of which ${s.cutPutsThatPut} had put their items (all of them) before it landed`,
    `  phase at terminate(): ${by(s.phaseAtKill)}`,
    `  where killed workers stopped: ${by(s.stoppedIn)}`,
    `  slowest qsize() + unfinishedTasks right after a kill: ${s.maxAnswerMs.toFixed(1)} ms`,
    ...s.terminate.map((t) => `  terminate() here, ${t}`),
    ...s.failures.map((f) => `  FAILED: ${f}`),
  ];
}
