// The one worker script of the test suites: named scenarios, each run in a real worker
// thread on a queue attached from the handle it receives. It runs as a node:worker_threads
// worker (workerData) or as a Web Worker (first message), in Node, Deno and Bun alike.
//
// Protocol: the worker receives { scenario, handle, args }; it posts { ready: true } when a
// scenario says it is about to block, then { ok: true, result } or { ok: false, error }.
import { JoinableQueue, ShutDown } from "joinable-queue";
import { workOnQueue } from "./worker_main.mjs";
// The same module the package's entry point loads (dist/default.js imports it), so its
// accessor reaches the queues made from "joinable-queue".
import { lockPauseOf } from "../dist/joinable_queue.js";

function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const scenarios = {
  /** Puts args.count items { producer, seq } with a mix of call styles; returns the count. */
  async producer(q, { producer, count, seed = 1, style = "mixed" }) {
    const random = mulberry32(seed);
    let seq = 0;
    while (seq < count) {
      const pick = style === "mixed" ? Math.floor(random() * 4) : 0;
      if (pick === 1 && seq + 8 <= count) {
        const batch = [];
        for (let i = 0; i < 8; i++) batch.push({ producer, seq: seq++ });
        q.putMany(batch);
      } else if (pick === 2) {
        await q.putAsync({ producer, seq: seq++ });
      } else if (pick === 3) {
        q.put({ producer, seq: seq++ }, { timeout: 60_000 });
      } else {
        q.put({ producer, seq: seq++ });
      }
    }
    return seq;
  },

  /** Gets until ShutDown with a mix of call styles, calling taskDone() for each item;
   * returns what it got, in order, as [producer, seq] pairs. */
  async consumer(q, { seed = 2, style = "mixed" }) {
    const random = mulberry32(seed);
    const got = [];
    for (;;) {
      const pick = style === "mixed" ? Math.floor(random() * 3) : 0;
      let items;
      try {
        if (pick === 1) items = q.getMany(16);
        else if (pick === 2) items = [await q.getAsync()];
        else items = [q.get()];
      } catch (e) {
        if (e instanceof ShutDown) return got;
        throw e;
      }
      for (const item of items) {
        got.push([item.producer, item.seq]);
        q.taskDone();
      }
    }
  },

  /** The pause after a look at a held lock that this thread's core was given. */
  lockPause(q) {
    return lockPauseOf(q);
  },

  /** Reports what this thread sees of the queue. */
  observe(q) {
    return { qsize: q.qsize(), maxsize: q.maxsize, unfinished: q.unfinishedTasks, empty: q.empty() };
  },

  /** Puts the given items (args.items) and returns. */
  putItems(q, { items }) {
    for (const item of items) q.put(item);
    return items.length;
  },

  /** Blocks in get() (after saying it is ready) and returns what it got. */
  blockedGet(q, _args, ready) {
    ready();
    return q.get({ timeout: 30_000 });
  },

  /** Waits in getAsync() (after saying it is ready) and returns what it got. */
  async blockedGetAsync(q, _args, ready) {
    const pending = q.getAsync({ timeout: 30_000 });
    ready();
    return await pending;
  },

  /** Blocks in put() on a full queue (after saying it is ready); returns when it got in. */
  blockedPut(q, { item }, ready) {
    ready();
    q.put(item, { timeout: 30_000 });
    return "put";
  },

  /** Says it is ready, waits for args.go (an Int32Array's buffer) to turn 1, then calls
   * taskDone() args.count times; returns how many. */
  taskDoneMany(q, { count, go }, ready) {
    const start = new Int32Array(go);
    ready();
    Atomics.wait(start, 0, 0, 30_000);
    for (let i = 0; i < count; i++) q.taskDone();
    return count;
  },

  /** Blocks in join() (after saying it is ready) and returns its answer. */
  blockedJoin(q, { timeout = 30_000 }, ready) {
    ready();
    return q.join(timeout);
  },

  /** Waits in joinAsync() and returns its answer. */
  async blockedJoinAsync(q, { timeout = 30_000 }, ready) {
    const pending = q.joinAsync({ timeout });
    ready();
    return await pending;
  },

  /** Blocks in get() until the queue is shut down; returns the error's name. */
  getUntilShutDown(q, { async = false }, ready) {
    const call = async ? q.getAsync({ timeout: 30_000 }) : null;
    ready();
    try {
      if (call) return call.then(() => "got an item", (e) => e.name);
      q.get({ timeout: 30_000 });
      return "got an item";
    } catch (e) {
      return e.name;
    }
  },

  /** Blocks in put() on a full queue until the queue is shut down; returns the error's name. */
  putUntilShutDown(q, { item }, ready) {
    ready();
    try {
      q.put(item, { timeout: 30_000 });
      return "put";
    } catch (e) {
      return e.name;
    }
  },

  /** Gets args.count byte items, checking each one's length and fill pattern. */
  checkBytes(q, { count }) {
    let bad = 0;
    let bytes = 0;
    for (let i = 0; i < count; i++) {
      const item = q.get({ timeout: 30_000 });
      const fill = item[0];
      for (let j = 0; j < item.length; j += 997) if (item[j] !== fill) bad++;
      if (item[item.length - 1] !== fill) bad++;
      bytes += item.length;
      q.taskDone();
    }
    return { bad, bytes };
  },

  /** Puts 16-byte items until stop[0] is set (Full and Empty are not expected: a getter
   * drains); returns how many it put. */
  putUntilStopped(q, { stop }) {
    const item = new Uint8Array(16);
    let n = 0;
    while (Atomics.load(stop, 0) === 0) {
      q.put(item, { timeout: 30_000 });
      n++;
    }
    return n;
  },

  /** Gets items until stop[1] is set and the queue is empty; returns how many it got. */
  getUntilStopped(q, { stop }) {
    let n = 0;
    for (;;) {
      try {
        q.get({ timeout: 5 });
      } catch (e) {
        if (e?.name === "Empty" && Atomics.load(stop, 1) !== 0) return n;
        if (e?.name === "Empty") continue;
        throw e;
      }
      q.taskDone();
      n++;
    }
  },

  /** Attaches new handles to the queue (each takes a scratch block from the top of the heap,
   * raising HEAP_TOP and now and then the memory) until stop[0] is set; closes them all. */
  attachUntilStopped(q, { handle, stop }) {
    const handles = [];
    while (Atomics.load(stop, 0) === 0 && handles.length < 20_000) handles.push(JoinableQueue.attach(handle));
    for (const h of handles) h.close();
    return handles.length;
  },

  /** consume() until shutdown, returning the items handled. */
  async consume(q) {
    const seen = [];
    await q.consume((item) => { seen.push(item); });
    return seen;
  },

  /** for await...of until shutdown. */
  async iterateAsync(q) {
    const seen = [];
    for await (const item of q) { seen.push(item); q.taskDone(); }
    return seen;
  },
};

await workOnQueue((q, { scenario, args }, post) => scenarios[scenario](q, args ?? {}, () => post({ ready: true })));
