// What a torture producer and consumer do, step by step, writing each step to the board
// (board.mjs) before and after it happens, so that a kill between any two steps leaves a
// record the main thread can reason about. Used by torture_worker.mjs, and by the main
// thread for its final drain.
import { Empty, ShutDown } from "joinable-queue";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import {
  ATTEMPTING, BAD, BEAT, COMMITTED, CURSOR, DONE, FINISHED, GOT_LARGE, HOLDING, IN_TASK_DONE, LARGE, LIMIT,
  LOGGED, P_BUILD, P_CHECK, P_GET, P_GET_ASYNC, P_GET_MANY, P_IDLE, P_PUT, P_PUT_ASYNC,
  P_PUT_LARGE, P_PUT_MANY, P_TASK_DONE, P_YIELD, PHASE, PRODUCED, packEntry, slotView, STARTED,
  STOP,
} from "./board.mjs";
import { checkItem, makeItem, payloadOf } from "./payload.mjs";

/** A macrotask: where Deno carries out a pending terminate() (see terminate_facts.mjs). */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

function random(seed) {
  const rng = xoroshiro128plus(seed);
  return { int: (from, to) => uniformInt(rng, from, to), float: () => uniformFloat64(rng) };
}

/** Payload sizes: mostly small, some medium, now and then large (up to 1 MiB). */
function sizeOf(rand, largeShare) {
  const r = rand.float();
  if (r < largeShare) return rand.int(LARGE, 1 << 20);
  if (r < largeShare + 0.15) return rand.int(1024, 64 << 10);
  return rand.int(12, 256);
}

/**
 * Puts items (producer, 0), (producer, 1), ... until STOP, one call at a time: put(),
 * put() with a timeout, putMany() of 2 to 8, putAsync(). ATTEMPTING is raised before each
 * call and COMMITTED after it returns, so a kill leaves at most the items of one call
 * uncertain. Stops reserving items past the board's LIMIT.
 */
export async function produce(q, { board, slot, producer, seed, codec, largeShare, maxBatch, yieldEachCall, fault }) {
  const me = slotView(board, slot);
  const rand = random(seed);
  me.set(STARTED, 1);
  let seq = 0;
  while (Atomics.load(board, STOP) === 0) {
    me.add(BEAT, 1);
    me.set(PHASE, P_BUILD);
    const op = rand.int(0, 9); // 0-4 put, 5-6 putMany, 7 put with timeout, 8-9 putAsync
    const n = op === 5 || op === 6 ? rand.int(2, maxBatch) : 1;
    if (Atomics.add(board, PRODUCED, n) + n > board[LIMIT]) break;
    const items = [];
    let large = false;
    for (let i = 0; i < n; i++) {
      const size = sizeOf(rand, n > 1 ? largeShare / 4 : largeShare);
      large ||= size >= LARGE;
      items.push(makeItem(codec, producer, seq + i, size));
    }
    if (fault === "torn" && seq >= 10) {
      // Half-written items, as a kill mid-copy would leave; every one from here on, so that
      // some reach a consumer that is not killed while it holds them.
      const payload = payloadOf(codec, items[0]);
      payload.fill(0, payload.length >> 1);
    }
    me.set(ATTEMPTING, seq + n);
    if (n > 1) {
      me.set(PHASE, large ? P_PUT_LARGE : P_PUT_MANY);
      q.putMany(items);
    } else if (op >= 8) {
      me.set(PHASE, large ? P_PUT_LARGE : P_PUT_ASYNC);
      await q.putAsync(items[0]);
    } else {
      me.set(PHASE, large ? P_PUT_LARGE : P_PUT);
      if (op === 7) q.put(items[0], { timeout: 120_000 });
      else q.put(items[0]);
    }
    me.set(COMMITTED, seq + n);
    seq += n;
    if (yieldEachCall) {
      me.set(PHASE, P_YIELD);
      await nextTask();
    }
  }
  me.set(PHASE, P_IDLE);
  while (Atomics.load(board, STOP) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  me.set(FINISHED, 1);
  return seq;
}

/**
 * Gets until the queue is shut down and empty: get(), getMany(2 to 16), getAsync(), get()
 * with a timeout. HOLDING is set to the most a call can return before it, and cleared only
 * after the items are checked and logged; then each gets its taskDone(). A kill therefore
 * loses at most HOLDING items unlogged, and leaves LOGGED - DONE (+ IN_TASK_DONE) logged
 * items without their taskDone().
 */
export async function consume(q, { board, log, slot, seed, codec, yieldEachCall, fault, block = true, onBad }) {
  const me = slotView(board, slot);
  const rand = random(seed);
  me.set(STARTED, 1);
  for (;;) {
    me.add(BEAT, 1);
    const op = block ? rand.int(0, 9) : -1; // 0-3 get, 4-6 getMany, 7 get with timeout, 8-9 getAsync
    const max = op >= 4 && op <= 6 ? rand.int(2, 16) : 1;
    me.set(HOLDING, max);
    let items;
    try {
      if (op < 0) {
        me.set(PHASE, P_GET);
        items = [q.get({ block: false })];
      } else if (max > 1) {
        me.set(PHASE, P_GET_MANY);
        items = q.getMany(max);
      } else if (op >= 8) {
        me.set(PHASE, P_GET_ASYNC);
        items = [await q.getAsync()];
      } else {
        me.set(PHASE, P_GET);
        items = [op === 7 ? q.get({ timeout: 5 }) : q.get()];
      }
    } catch (e) {
      me.set(HOLDING, 0);
      if (e instanceof ShutDown || (e instanceof Empty && !block)) break;
      if (e instanceof Empty) continue;
      throw e;
    }
    me.set(PHASE, P_CHECK);
    const at = Atomics.add(board, CURSOR, items.length);
    if (at + items.length > board[LIMIT]) throw new Error(`the torture log is full (${board[LIMIT]} entries)`);
    for (let i = 0; i < items.length; i++) {
      const checked = checkItem(codec, items[i]);
      if (checked.error) {
        me.add(BAD, 1);
        onBad?.(checked.error);
        continue; // its entry stays 0: not logged
      }
      if (checked.bytes >= LARGE) me.add(GOT_LARGE, 1);
      log[2 * (at + i) + 1] = checked.seq;
      Atomics.store(log, 2 * (at + i), packEntry(checked.producer, slot));
    }
    if (fault === "duplicate") { // log the first item a second time, as a double delivery would
      const again = Atomics.add(board, CURSOR, 1);
      log[2 * again + 1] = log[2 * at + 1];
      Atomics.store(log, 2 * again, log[2 * at]);
      fault = undefined;
    }
    me.add(LOGGED, items.length);
    me.set(HOLDING, 0);
    me.set(PHASE, P_TASK_DONE);
    for (let i = 0; i < items.length; i++) {
      me.set(IN_TASK_DONE, 1);
      q.taskDone();
      me.add(DONE, 1);
      me.set(IN_TASK_DONE, 0);
    }
    if (yieldEachCall) {
      me.set(PHASE, P_YIELD);
      await nextTask();
    }
  }
  me.set(FINISHED, 1);
}
