// The stress test's worker: a producer, a consumer or a joiner on one phase's queue, each
// choosing its calls from its own seeded stream. It runs as a node:worker_threads worker
// (workerData) or as a Web Worker (first message), in Node, Deno and Bun alike.
//
// Protocol: the worker receives { role, handle, buffer, args }; it posts { ok: true, result }
// when its role is done, or { ok: false, error } at the first problem it finds.
import { Empty, Full, ShutDown } from "joinable-queue";
import { checkItem, makeItem } from "./items.mjs";
import { stream, weights } from "./random.mjs";
import { PRODUCERS_DONE, PUTS_RETURNED, TASKS_DONE, sharedFor } from "./shared.mjs";
import { workOnQueue } from "../worker_main.mjs";

/** How a producer puts, by weight. Every style is used in every phase. */
const PUT_STYLES = weights({
  put: 20, // blocking, no timeout
  putTimeout: 10, // blocking with a timeout; retried on Full
  putNowait: 10, // never blocks; retried after a pause on Full
  putMany: 12, // a batch, blocking
  putManyTimeout: 5,
  putManyNowait: 5,
  putAsync: 15,
  putAsyncTimeout: 8,
  putAsyncAbort: 10, // aborted by a timer, or right after the call; retried when aborted
});

/** How a consumer gets, by weight. */
const GET_STYLES = weights({
  get: 15,
  getTimeout: 8,
  getNowait: 8,
  getMany: 12,
  getManyTimeout: 5,
  getManyNowait: 5,
  getAsync: 12,
  getAsyncTimeout: 6,
  getAsyncAbort: 8,
  iterate: 5, // for...of, a few items, then break
  iterateAsync: 5, // for await...of, a few items, then break
  consume: 5, // consume() stopped by its signal after a few items
});

const JOIN_STYLES = weights({ join: 30, joinTimeout: 30, joinAsync: 20, joinAsyncTimeout: 20 });

const TIMEOUTS_MS = [0, 0.1, 1, 5, 25];
const ABORT_AFTER_MS = [-1, 0, 1, 5]; // -1: abort synchronously, right after the call starts
/** A batch stops growing past this many payload bytes (the byte-ceiling phases allow 2 MiB). */
const BATCH_BYTES = 1.5 * 2 ** 20;

const ABORTED = new Error("stress: aborted on purpose");
const pauseWord = new Int32Array(new SharedArrayBuffer(4));
/** Sleeps this thread for `ms` (workers may block). */
const pause = (ms) => Atomics.wait(pauseWord, 0, 0, ms);

/** Runs `call` with a signal that aborts after `after` ms (-1: at once, after the call starts). */
async function withAbort(after, call) {
  const controller = new AbortController();
  let timer;
  const pending = call(controller.signal);
  if (after < 0) controller.abort(ABORTED);
  else timer = setTimeout(() => controller.abort(ABORTED), after);
  try {
    return await pending;
  } finally {
    clearTimeout(timer);
  }
}

function tally(calls, name) {
  calls[name] = (calls[name] ?? 0) + 1;
}

const roles = {
  async producer(q, shared, { producer, seed, streamIndex, codec, counts }) {
    const random = stream(seed, streamIndex);
    const count = counts[producer];
    const calls = {};
    let full = 0;
    let aborted = 0;
    let bytes = 0;
    let seq = 0;
    let next; // the item for `seq`, kept across retries
    const itemAt = (s) => {
      if (next?.seq !== s) next = { seq: s, ...makeItem(codec, seed, producer, s) };
      return next;
    };
    const returned = (n, size) => {
      seq += n;
      bytes += size;
      Atomics.add(shared.i32, PUTS_RETURNED, n);
    };
    while (seq < count) {
      const style = random.weighted(PUT_STYLES);
      tally(calls, style);
      try {
        if (style.startsWith("putMany")) {
          const limit = Math.min(16, count - seq, q.maxsize > 0 ? q.maxsize : 16);
          const want = random.int(1, limit);
          const batch = [];
          let size = 0;
          for (let s = seq; batch.length < want; s++) {
            const { item, size: n } = s === seq ? itemAt(s) : makeItem(codec, seed, producer, s);
            if (batch.length > 0 && size + n > BATCH_BYTES) break;
            batch.push(item);
            size += n;
          }
          if (style === "putMany") q.putMany(batch);
          else if (style === "putManyTimeout") q.putMany(batch, { timeout: random.pick(TIMEOUTS_MS) });
          else q.putMany(batch, { block: false });
          returned(batch.length, size);
          continue;
        }
        const { item, size } = itemAt(seq);
        switch (style) {
          case "put": q.put(item); break;
          case "putTimeout": q.put(item, { timeout: random.pick(TIMEOUTS_MS) }); break;
          case "putNowait": q.putNowait(item); break;
          case "putAsync": await q.putAsync(item); break;
          case "putAsyncTimeout": await q.putAsync(item, { timeout: random.pick(TIMEOUTS_MS) }); break;
          case "putAsyncAbort": await withAbort(random.pick(ABORT_AFTER_MS), (signal) => q.putAsync(item, { signal })); break;
        }
        returned(1, size);
      } catch (e) {
        if (e === ABORTED) aborted++;
        else if (e instanceof Full) {
          full++;
          if (style.endsWith("Nowait")) pause(random.pick([0.05, 0.2, 1]));
        } else throw e;
      }
    }
    Atomics.add(shared.i32, PRODUCERS_DONE, 1);
    return { items: seq, bytes, calls, full, aborted };
  },

  async consumer(q, shared, { consumer, seed, streamIndex, codec, counts }) {
    const random = stream(seed, streamIndex);
    const calls = {};
    const last = new Array(counts.length).fill(-1);
    let items = 0;
    let bytes = 0;
    let empty = 0;
    let aborted = 0;
    /** Checks an item got: its bytes, its order among its producer's, that it is new. */
    const check = (item) => {
      const { producer, seq, size } = checkItem(codec, seed, counts, item);
      if (seq <= last[producer]) {
        throw new Error(`consumer ${consumer} got producer ${producer}'s item ${seq} after its item ${last[producer]}`);
      }
      last[producer] = seq;
      if (!shared.markGot(producer, seq)) throw new Error(`producer ${producer}'s item ${seq} was got twice`);
      items++;
      bytes += size;
    };
    const done = () => {
      Atomics.add(shared.i32, TASKS_DONE, 1); // before taskDone(): see the joiner
      q.taskDone();
    };
    const one = (item) => { check(item); done(); };
    const batch = (list) => {
      if (list.length === 0) throw new Error("getMany() returned no item");
      for (const item of list) check(item);
      for (let i = 0; i < list.length; i++) done();
    };
    for (;;) {
      const style = random.weighted(GET_STYLES);
      tally(calls, style);
      try {
        switch (style) {
          case "get": one(q.get()); break;
          case "getTimeout": one(q.get({ timeout: random.pick(TIMEOUTS_MS) })); break;
          case "getNowait": one(q.getNowait()); break;
          case "getMany": batch(q.getMany(random.int(1, 32))); break;
          case "getManyTimeout": batch(q.getMany(random.int(1, 32), { timeout: random.pick(TIMEOUTS_MS) })); break;
          case "getManyNowait": batch(q.getMany(random.int(1, 32), { block: false })); break;
          case "getAsync": one(await q.getAsync()); break;
          case "getAsyncTimeout": one(await q.getAsync({ timeout: random.pick(TIMEOUTS_MS) })); break;
          case "getAsyncAbort":
            one(await withAbort(random.pick(ABORT_AFTER_MS), (signal) => q.getAsync({ signal })));
            break;
          case "iterate": {
            const want = random.int(1, 8);
            let n = 0;
            for (const item of q) {
              one(item);
              if (++n === want) break;
            }
            if (n < want) return { items, bytes, calls, empty, aborted }; // ended: shut down
            break;
          }
          case "iterateAsync": {
            const want = random.int(1, 8);
            let n = 0;
            for await (const item of q) {
              one(item);
              if (++n === want) break;
            }
            if (n < want) return { items, bytes, calls, empty, aborted };
            break;
          }
          case "consume": {
            const want = random.int(1, 8);
            const controller = new AbortController();
            let n = 0;
            try {
              await q.consume((item) => {
                check(item);
                Atomics.add(shared.i32, TASKS_DONE, 1); // consume() calls taskDone() next
                if (++n === want) controller.abort(ABORTED);
              }, { signal: controller.signal });
            } catch (e) {
              if (e === ABORTED) break;
              throw e;
            }
            return { items, bytes, calls, empty, aborted }; // resolved: shut down
          }
        }
      } catch (e) {
        if (e instanceof ShutDown) return { items, bytes, calls, empty, aborted };
        if (e === ABORTED) aborted++;
        else if (e instanceof Empty) {
          empty++;
          if (style.endsWith("Nowait")) pause(random.pick([0.05, 0.2, 1]));
        } else throw e;
      }
    }
  },

  /**
   * Calls join() in every style while the others work, and checks each return: join()
   * may return only when every task put before it was called is done. A put counts in
   * PUTS_RETURNED after it returns and a task in TASKS_DONE before its taskDone(), so
   * TASKS_DONE read after join() returns must be at least PUTS_RETURNED read before the
   * call; once every producer is done, it must be every item.
   */
  async joiner(q, shared, { seed, streamIndex, producers, total }) {
    const random = stream(seed, streamIndex);
    const calls = {};
    let returned = 0;
    let timedOut = 0;
    for (;;) {
      const finished = Atomics.load(shared.i32, PRODUCERS_DONE) === producers;
      const before = Atomics.load(shared.i32, PUTS_RETURNED);
      const style = random.weighted(JOIN_STYLES);
      tally(calls, style);
      let ok;
      switch (style) {
        case "join": ok = q.join(); break;
        case "joinTimeout": ok = q.join(random.pick(TIMEOUTS_MS)); break;
        case "joinAsync": ok = await q.joinAsync(); break;
        case "joinAsyncTimeout": ok = await q.joinAsync({ timeout: random.pick(TIMEOUTS_MS) }); break;
      }
      if (ok) {
        returned++;
        const done = Atomics.load(shared.i32, TASKS_DONE);
        if (done < before) {
          throw new Error(`${style} returned true after ${done} taskDone() calls had begun, but ${before} puts had returned before it was called`);
        }
        if (finished) {
          if (done !== total) throw new Error(`${style} returned true after ${done} taskDone() calls, expected ${total}`);
          return { returned, timedOut, calls };
        }
      } else {
        timedOut++;
      }
      pause(random.pick([0, 0.5, 2])); // leaves the two cores to the producers and consumers
    }
  },
};

await workOnQueue((q, { role, buffer, args }) => roles[role](q, sharedFor(args.counts, buffer), args));
