// Guarantees across real threads: exactly-once delivery, per-producer FIFO, join(), and
// every kind of blocked call woken by another thread; once per kind of worker the runtime
// offers (node:worker_threads everywhere, Web Workers in Deno and Bun).
import { describe, expect, test } from "vitest";
import { JoinableQueue } from "joinable-queue";
import { isPending, sleep, startWorker, within, workerKinds } from "./harness.ts";

type Pair = [producer: number, seq: number];

/** Checks that every (producer, seq) arrived exactly once, and each consumer saw each
 * producer's sequence numbers rise. Returns a description of the first problem, or "". */
function checkDelivery(perConsumer: Pair[][], producers: number, count: number): string {
  const seen = new Map<string, number>();
  for (const [c, got] of perConsumer.entries()) {
    const last = new Map<number, number>();
    for (const [p, seq] of got) {
      const key = `${p}:${seq}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      if ((last.get(p) ?? -1) >= seq) return `consumer ${c} got producer ${p}'s ${seq} after ${last.get(p)}`;
      last.set(p, seq);
    }
  }
  for (let p = 0; p < producers; p++) {
    for (let seq = 0; seq < count; seq++) {
      const n = seen.get(`${p}:${seq}`) ?? 0;
      if (n !== 1) return `producer ${p}'s item ${seq} was got ${n} times`;
    }
  }
  if (seen.size !== producers * count) return `got ${seen.size} distinct items, expected ${producers * count}`;
  return "";
}

for (const kind of workerKinds) {
  describe(`threads (${kind})`, () => {
    test("put/get/join: 3 producers and 3 consumers get every item exactly once, in order per producer", async () => {
      const producers = 3;
      const count = 2000;
      const q = new JoinableQueue<{ producer: number; seq: number }>(64);
      const consumers = [0, 1, 2].map((c) => startWorker<Pair[]>(kind, "consumer", q.handle, { seed: 100 + c }));
      const putters = Array.from({ length: producers }, (_, p) =>
        startWorker<number>(kind, "producer", q.handle, { producer: p, count, seed: 200 + p }));
      expect(await Promise.all(putters.map((w) => w.result))).toEqual([count, count, count]);
      expect(await q.joinAsync({ timeout: 60_000 })).toBe(true);
      expect(q.unfinishedTasks).toBe(0);
      expect(q.qsize()).toBe(0);
      q.shutdown();
      const got = await Promise.all(consumers.map((w) => w.result));
      expect(checkDelivery(got, producers, count)).toBe("");
      q.close();
    });

    test("join() in the main thread blocks until workers have called taskDone() for every item", async () => {
      const q = new JoinableQueue<{ producer: number; seq: number }>();
      const count = 3000;
      for (let seq = 0; seq < count; seq++) q.put({ producer: 0, seq });
      const consumers = [0, 1].map((c) => startWorker<Pair[]>(kind, "consumer", q.handle, { seed: c, style: "get" }));
      expect(q.join(60_000)).toBe(true); // blocks this thread; the workers run on
      expect(q.unfinishedTasks).toBe(0);
      q.shutdown();
      const got = await Promise.all(consumers.map((w) => w.result));
      expect(checkDelivery(got, 1, count)).toBe("");
    });

    test("get() blocked in a worker is woken by put() in another thread", async () => {
      const q = new JoinableQueue<string>();
      const w = startWorker<string>(kind, "blockedGet", q.handle);
      await w.ready;
      await sleep(50);
      expect(await isPending(w.result)).toBe(true);
      q.put("wake up");
      expect(await w.result).toBe("wake up");
      expect(q.unfinishedTasks).toBe(1);
      q.close();
    });

    test("getAsync() pending in a worker keeps it alive and is woken by put() in another thread", async () => {
      const q = new JoinableQueue<string>();
      const w = startWorker<string>(kind, "blockedGetAsync", q.handle);
      await w.ready;
      await sleep(300); // long enough for an idle worker to exit if nothing kept it alive
      expect(await isPending(w.result)).toBe(true);
      q.put("async wake");
      expect(await w.result).toBe("async wake");
      q.close();
    });

    test("getAsync() in the main thread is woken by a worker's put()", async () => {
      const q = new JoinableQueue<number>();
      const got = q.getAsync({ timeout: 30_000 });
      await sleep(20);
      const w = startWorker<number>(kind, "putItems", q.handle, { items: [7] });
      expect(await within(30_000, got, "getAsync()")).toBe(7);
      expect(await w.result).toBe(1);
      q.close();
    });

    test("put() blocked on a full queue is woken by get() in another thread", async () => {
      const q = new JoinableQueue<string>(1);
      q.put("first");
      const w = startWorker<string>(kind, "blockedPut", q.handle, { item: "second" });
      await w.ready;
      await sleep(50);
      expect(await isPending(w.result)).toBe(true);
      expect(q.get()).toBe("first");
      expect(await w.result).toBe("put");
      expect(q.get()).toBe("second");
      q.close();
    });

    test("join() and joinAsync() in workers are woken by the last taskDone()", async () => {
      const q = new JoinableQueue<number>();
      q.putMany([1, 2]);
      const blocking = startWorker<boolean>(kind, "blockedJoin", q.handle);
      const waiting = startWorker<boolean>(kind, "blockedJoinAsync", q.handle);
      await Promise.all([blocking.ready, waiting.ready]);
      q.get();
      q.taskDone();
      await sleep(50);
      expect(await isPending(blocking.result)).toBe(true);
      expect(await isPending(waiting.result)).toBe(true);
      q.get();
      q.taskDone();
      expect(await blocking.result).toBe(true);
      expect(await waiting.result).toBe(true);
      q.close();
    });

    test("taskDone() in three threads at once counts every task exactly once, and the last one wakes join()", async () => {
      // taskDone() takes no lock: each is one compare-exchange on the count of tasks done
      // (assembly/queue.ts, "Tasks"). A lost or doubled count shows as tasks left over
      // (join() waits, then times out) or as a RangeError in a worker.
      const perThread = 100_000;
      const q = new JoinableQueue<number>();
      for (let i = 0; i < 3 * perThread; i += 1000) q.putMany(Array.from({ length: 1000 }, (_, k) => i + k));
      const joiner = startWorker<boolean>(kind, "blockedJoin", q.handle, { timeout: 60_000 });
      const go = new SharedArrayBuffer(4); // all three start at once, so their calls overlap
      const doers = [0, 1, 2].map(() => startWorker<number>(kind, "taskDoneMany", q.handle, { count: perThread, go }));
      await Promise.all([joiner.ready, ...doers.map((d) => d.ready)]);
      Atomics.store(new Int32Array(go), 0, 1);
      Atomics.notify(new Int32Array(go), 0);
      expect(await within(60_000, Promise.all(doers.map((d) => d.result)), "the taskDone() threads")).toEqual([perThread, perThread, perThread]);
      expect(await within(60_000, joiner.result, "join() in a worker")).toBe(true);
      expect(q.unfinishedTasks).toBe(0);
      expect(() => q.taskDone()).toThrow(RangeError);
      expect(q.qsize()).toBe(3 * perThread); // taskDone() without get() is allowed, as in Python
      q.close();
    });

    test("shutdown() wakes threads blocked in get(), getAsync() and put() with ShutDown", async () => {
      const empty = new JoinableQueue();
      const full = new JoinableQueue(1);
      full.put("x");
      const getter = startWorker<string>(kind, "getUntilShutDown", empty.handle);
      const asyncGetter = startWorker<string>(kind, "getUntilShutDown", empty.handle, { async: true });
      const putter = startWorker<string>(kind, "putUntilShutDown", full.handle, { item: "y" });
      await Promise.all([getter.ready, asyncGetter.ready, putter.ready]);
      await sleep(50);
      empty.shutdown();
      full.shutdown();
      expect(await Promise.all([getter.result, asyncGetter.result, putter.result]))
        .toEqual(["ShutDown", "ShutDown", "ShutDown"]);
      expect(full.get()).toBe("x"); // shutdown() without immediate keeps what is queued
      empty.close();
      full.close();
    });

    test("the storage grows while another thread reads (64 KiB to 1 MiB items)", async () => {
      const q = new JoinableQueue<Uint8Array>({ codec: "bytes" });
      const sizes = Array.from({ length: 40 }, (_, i) => (i % 5 === 4 ? 1 << 20 : 65536 + i * 4099));
      const reader = startWorker<{ bad: number; bytes: number }>(kind, "checkBytes", q.handle, { count: sizes.length });
      const before = q.handle.memory.buffer.byteLength;
      for (const [i, size] of sizes.entries()) q.put(new Uint8Array(size).fill(i + 1));
      expect(await reader.result).toEqual({ bad: 0, bytes: sizes.reduce((a, b) => a + b, 0) });
      expect(q.handle.memory.buffer.byteLength).toBeGreaterThan(before);
      expect(q.join(30_000)).toBe(true);
      q.close();
    });

    test("consume() and for await...of in a worker drain the queue until shutdown", async () => {
      const q = new JoinableQueue<number>();
      const consumer = startWorker<number[]>(kind, "consume", q.handle);
      q.putMany([1, 2, 3]);
      expect(await q.joinAsync({ timeout: 30_000 })).toBe(true);
      q.shutdown();
      expect(await consumer.result).toEqual([1, 2, 3]);
      const q2 = new JoinableQueue<number>();
      q2.putMany([4, 5]);
      q2.shutdown();
      const iterator = startWorker<number[]>(kind, "iterateAsync", q2.handle);
      expect(await iterator.result).toEqual([4, 5]);
      expect(q2.unfinishedTasks).toBe(0);
      q.close();
      q2.close();
    });

    // Regression: put() read HEAP_TOP twice without the lock, and a heap top raised in
    // between (by another thread's allocation) made its sound scratch block look damaged:
    // Corrupted from put() with two producers while the ring grew (found by bench/run.mjs).
    // A race, so the test is statistical: before the fix it failed about 1 run in 3 in Node.
    test("put() from two threads stays sound while other threads raise the heap's top", async () => {
      const q = new JoinableQueue({ codec: "bytes", maxBytes: 1 << 30 });
      const stop = new Int32Array(new SharedArrayBuffer(8)); // [0]: producers, attacher; [1]: consumer
      const producers = [1, 2].map(() => startWorker<number>(kind, "putUntilStopped", q.handle, { stop }));
      const consumer = startWorker<number>(kind, "getUntilStopped", q.handle, { stop });
      const attacher = startWorker<number>(kind, "attachUntilStopped", q.handle, { handle: q.handle, stop });
      await sleep(3000);
      Atomics.store(stop, 0, 1);
      const [put1, put2, attached] = await within(60_000,
        Promise.all([...producers.map((p) => p.result), attacher.result]), "the producers and the attacher");
      Atomics.store(stop, 1, 1); // every put has returned: the consumer may stop at empty
      const got = await within(60_000, consumer.result, "the consumer");
      expect(put1).toBeGreaterThan(0);
      expect(put2).toBeGreaterThan(0);
      expect(attached).toBeGreaterThan(0);
      expect(got).toBe(put1 + put2);
      expect(q.join(30_000)).toBe(true);
      q.close();
    });

    test("a worker sees the same queue: qsize, maxsize and unfinishedTasks", async () => {
      const q = new JoinableQueue({ maxsize: 9 });
      q.putMany(["a", "b"]);
      const w = startWorker(kind, "observe", q.handle);
      expect(await w.result).toEqual({ qsize: 2, maxsize: 9, unfinished: 2, empty: false });
      q.close();
    });
  });
}
