// The public API in one thread: what each method does, its errors, and its edge cases.
import { describe, expect, test } from "vitest";
import { Closed, coreModule, Corrupted, Empty, Full, JoinableQueue, ShutDown } from "joinable-queue";
import { isPending, sleep, within } from "./harness.ts";

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the call to throw");
}

describe("errors", () => {
  test("each error class has its class name as .name and extends Error", () => {
    for (const [cls, name] of [[Empty, "Empty"], [Full, "Full"], [ShutDown, "ShutDown"], [Closed, "Closed"], [Corrupted, "Corrupted"]] as const) {
      const e = new cls("x");
      expect(e.name).toBe(name);
      expect(e).toBeInstanceOf(Error);
      expect(e.message).toBe("x");
    }
  });
});

describe("put() and get()", () => {
  test("get() returns items in FIFO order", () => {
    const q = new JoinableQueue<number>();
    for (let i = 0; i < 100; i++) q.put(i);
    const got: number[] = [];
    for (let i = 0; i < 100; i++) got.push(q.get());
    expect(got).toEqual([...Array(100).keys()]);
    q.close();
  });

  test("getNowait() throws Empty on an empty queue; get({ block: false }) too", () => {
    const q = new JoinableQueue();
    expect(thrown(() => q.getNowait())).toBeInstanceOf(Empty);
    expect(thrown(() => q.get({ block: false }))).toBeInstanceOf(Empty);
    expect(thrown(() => q.get({ block: false, timeout: 1000 }))).toBeInstanceOf(Empty);
    q.close();
  });

  test("get() with a timeout throws Empty after about that long (fractional ms allowed)", () => {
    const q = new JoinableQueue();
    const started = performance.now();
    const e = thrown(() => q.get({ timeout: 30 }));
    const waited = performance.now() - started;
    expect(e).toBeInstanceOf(Empty);
    expect(e.message).toContain("30 ms");
    expect(waited).toBeGreaterThanOrEqual(29);
    expect(thrown(() => q.get({ timeout: 0.5 }))).toBeInstanceOf(Empty);
    expect(thrown(() => q.get({ timeout: 0 }))).toBeInstanceOf(Empty);
    q.close();
  });

  test("put() on a full bounded queue throws Full with block: false or after its timeout", () => {
    const q = new JoinableQueue(2);
    q.put("a");
    q.putNowait("b");
    expect(q.full()).toBe(true);
    expect(thrown(() => q.putNowait("c"))).toBeInstanceOf(Full);
    expect(thrown(() => q.put("c", { block: false }))).toBeInstanceOf(Full);
    const e = thrown(() => q.put("c", { timeout: 20 }));
    expect(e).toBeInstanceOf(Full);
    expect(e.message).toContain("20 ms");
    expect(q.qsize()).toBe(2);
    expect(q.unfinishedTasks).toBe(2);
    expect(q.get()).toBe("a");
    q.put("c");
    expect([q.get(), q.get()]).toEqual(["b", "c"]);
    q.close();
  });

  test("an unbounded queue grows its storage instead of blocking", () => {
    const q = new JoinableQueue<Uint8Array>({ codec: "bytes" });
    const memory = q.handle.memory;
    const before = memory.buffer.byteLength;
    for (let i = 0; i < 64; i++) q.put(new Uint8Array(64 * 1024).fill(i));
    expect(memory.buffer.byteLength).toBeGreaterThan(before + 4 * 1024 * 1024 - 1);
    for (let i = 0; i < 64; i++) {
      const b = q.get();
      expect(b.length).toBe(64 * 1024);
      expect(b[0]).toBe(i);
      expect(b[b.length - 1]).toBe(i);
    }
    q.close();
  });

  test("put() past maxBytes throws Full, and an item that could never fit throws RangeError", () => {
    const q = new JoinableQueue<Uint8Array>({ codec: "bytes", maxBytes: 1 << 20 });
    const e = thrown(() => q.put(new Uint8Array(1 << 20)));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toContain("maxBytes");
    let puts = 0;
    let error: Error | undefined;
    for (; puts < 1000; puts++) {
      try {
        q.put(new Uint8Array(16 * 1024), { timeout: 5 });
      } catch (err) {
        error = err as Error;
        break;
      }
    }
    expect(error).toBeInstanceOf(Full);
    expect(puts).toBeGreaterThan(4);
    expect(q.qsize()).toBe(puts);
    expect(q.full()).toBe(false); // full() reports the item limit only
    q.get();
    q.put(new Uint8Array(16 * 1024)); // room again after a get
    q.close();
  });

  test("items put as undefined, null and falsy values come back as such", () => {
    const q = new JoinableQueue();
    for (const v of [undefined, null, 0, "", false, NaN]) q.put(v);
    expect([q.get(), q.get(), q.get(), q.get(), q.get(), q.get()]).toEqual([undefined, null, 0, "", false, NaN]);
    q.close();
  });
});

describe("putMany() and getMany()", () => {
  test("putMany() puts all items in order; getMany(max) takes up to max at once", () => {
    const q = new JoinableQueue<number>();
    q.putMany([1, 2, 3, 4, 5]);
    q.putMany(new Set([6, 7]));
    expect(q.qsize()).toBe(7);
    expect(q.unfinishedTasks).toBe(7);
    expect(q.getMany(3)).toEqual([1, 2, 3]);
    expect(q.getMany(100)).toEqual([4, 5, 6, 7]);
    expect(thrown(() => q.getMany(1, { block: false }))).toBeInstanceOf(Empty);
    expect(thrown(() => q.getMany(4, { timeout: 5 }))).toBeInstanceOf(Empty);
    q.close();
  });

  test("putMany() is all or nothing: Full leaves the queue unchanged", () => {
    const q = new JoinableQueue<number>(4);
    q.putMany([1, 2, 3]);
    expect(thrown(() => q.putMany([4, 5], { block: false }))).toBeInstanceOf(Full);
    expect(thrown(() => q.putMany([4, 5], { timeout: 10 }))).toBeInstanceOf(Full);
    expect(q.qsize()).toBe(3);
    expect(q.unfinishedTasks).toBe(3);
    q.putMany([4]);
    expect(q.getMany(10)).toEqual([1, 2, 3, 4]);
    q.close();
  });

  test("putMany() of a batch longer than maxsize throws RangeError at once", () => {
    const q = new JoinableQueue<number>(2);
    const e = thrown(() => q.putMany([1, 2, 3]));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toContain("maxsize");
    expect(q.qsize()).toBe(0);
    q.close();
  });

  test("putMany([]) does nothing; large batches of large items survive ring growth", () => {
    const q = new JoinableQueue<Uint8Array>({ codec: "bytes" });
    q.putMany([]);
    expect(q.qsize()).toBe(0);
    const batch = Array.from({ length: 300 }, (_, i) => new Uint8Array(1000 + i).fill(i & 255));
    q.putMany(batch);
    const got = q.getMany(1000);
    expect(got.length).toBe(300);
    got.forEach((b, i) => {
      expect(b.length).toBe(1000 + i);
      expect(b[0]).toBe(i & 255);
    });
    q.close();
  });

  test("getMany() takes an item larger than its scratch area", () => {
    const q = new JoinableQueue<Uint8Array>({ codec: "bytes" });
    q.put(new Uint8Array(100_000).fill(7));
    q.put(new Uint8Array(3).fill(8));
    const [big, small] = [q.getMany(1)[0], q.getMany(5)[0]];
    expect(big.length).toBe(100_000);
    expect(big[99_999]).toBe(7);
    expect(small).toEqual(new Uint8Array([8, 8, 8]));
    q.close();
  });
});

describe("taskDone() and join()", () => {
  test("join() returns true at once when no task is unfinished", () => {
    const q = new JoinableQueue();
    expect(q.join()).toBe(true);
    expect(q.join(0)).toBe(true);
    q.close();
  });

  test("join(timeout) returns false while tasks are unfinished, true after the last taskDone()", () => {
    const q = new JoinableQueue();
    q.put(1);
    q.put(2);
    expect(q.unfinishedTasks).toBe(2);
    expect(q.join(10)).toBe(false);
    q.get();
    q.taskDone();
    expect(q.join(0)).toBe(false);
    q.get();
    q.task_done();
    expect(q.unfinishedTasks).toBe(0);
    expect(q.join(10)).toBe(true);
    q.close();
  });

  test("taskDone() called too many times throws RangeError and changes nothing", () => {
    const q = new JoinableQueue();
    const e = thrown(() => q.taskDone());
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toContain("taskDone()");
    q.put("x");
    q.get();
    q.taskDone();
    expect(thrown(() => q.task_done())).toBeInstanceOf(RangeError);
    expect(q.unfinishedTasks).toBe(0);
    q.close();
  });

  test("joinAsync() resolves when the last task is done; false on timeout", async () => {
    const q = new JoinableQueue();
    q.put(1);
    expect(await q.joinAsync({ timeout: 10 })).toBe(false);
    const joined = q.joinAsync();
    expect(await isPending(joined)).toBe(true);
    q.get();
    q.taskDone();
    expect(await within(5000, joined, "joinAsync()")).toBe(true);
    q.close();
  });
});

describe("async methods", () => {
  test("getAsync() resolves when an item is put later", async () => {
    const q = new JoinableQueue<string>();
    const got = q.getAsync();
    expect(await isPending(got)).toBe(true);
    q.put("late");
    expect(await within(5000, got, "getAsync()")).toBe("late");
    q.close();
  });

  test("getAsync() rejects with Empty after its timeout; putAsync() with Full", async () => {
    const q = new JoinableQueue(1);
    await expect(q.getAsync({ timeout: 10 })).rejects.toBeInstanceOf(Empty);
    await q.putAsync("a");
    await expect(q.putAsync("b", { timeout: 10 })).rejects.toBeInstanceOf(Full);
    expect(q.qsize()).toBe(1);
    q.close();
  });

  test("putAsync() waits for room and then puts", async () => {
    const q = new JoinableQueue<number>(1);
    q.put(1);
    const put = q.putAsync(2);
    expect(await isPending(put)).toBe(true);
    expect(q.get()).toBe(1);
    await within(5000, put, "putAsync()");
    expect(q.get()).toBe(2);
    q.close();
  });

  test("aborting the signal rejects with signal.reason and leaves the queue unchanged", async () => {
    const q = new JoinableQueue<number>(1);
    const controller = new AbortController();
    const got = q.getAsync({ signal: controller.signal });
    const reason = new Error("stop waiting");
    controller.abort(reason);
    await expect(got).rejects.toBe(reason);
    q.put(5);
    const putController = new AbortController();
    const put = q.putAsync(6, { signal: putController.signal });
    putController.abort();
    await expect(put).rejects.toMatchObject({ name: "AbortError" });
    expect(q.qsize()).toBe(1);
    expect(q.unfinishedTasks).toBe(1);
    expect(q.get()).toBe(5);
    q.close();
  });

  test("an already-aborted signal rejects at once, before ShutDown", async () => {
    const q = new JoinableQueue();
    q.put(1);
    q.shutdown();
    const reason = new Error("already");
    const signal = AbortSignal.abort(reason);
    await expect(q.getAsync({ signal })).rejects.toBe(reason);
    await expect(q.putAsync(1, { signal })).rejects.toBe(reason);
    await expect(q.joinAsync({ signal })).rejects.toBe(reason);
    await expect(q.consume(() => {}, { signal })).rejects.toBe(reason);
    expect(q.qsize()).toBe(1);
    q.close();
  });

  test("a pending getAsync() rejects with Closed when its handle is closed", async () => {
    const q = new JoinableQueue();
    const other = JoinableQueue.attach(q.handle);
    const got = other.getAsync();
    const otherJoiner = JoinableQueue.attach(q.handle);
    q.put("task");
    const joined = otherJoiner.joinAsync();
    expect(await isPending(got)).toBe(false); // took "task"
    expect(await got).toBe("task");
    const pendingGet = otherJoiner.getAsync();
    const outcomes = Promise.allSettled([joined, pendingGet]);
    otherJoiner.close();
    const [joinOutcome, getOutcome] = await within(5000, outcomes, "the pending calls");
    expect(joinOutcome.status === "rejected" && joinOutcome.reason).toBeInstanceOf(Closed);
    expect(getOutcome.status === "rejected" && getOutcome.reason).toBeInstanceOf(Closed);
    q.put(1);
    expect(q.get()).toBe(1); // the closed handle's pending get took nothing
    other.close();
    q.close();
  });
});

describe("async methods where Atomics.waitAsync is missing", () => {
  test("getAsync() and joinAsync() fall back to polling and still wake", async () => {
    const atomics = Atomics as unknown as { waitAsync?: unknown };
    const saved = atomics.waitAsync;
    atomics.waitAsync = undefined;
    try {
      const q = new JoinableQueue<string>();
      const got = q.getAsync({ timeout: 10_000 });
      expect(await isPending(got)).toBe(true);
      q.put("polled");
      expect(await within(5000, got, "getAsync()")).toBe("polled");
      const joined = q.joinAsync({ timeout: 10_000 });
      expect(await isPending(joined)).toBe(true);
      q.taskDone();
      expect(await within(5000, joined, "joinAsync()")).toBe(true);
      await expect(q.getAsync({ timeout: 20 })).rejects.toBeInstanceOf(Empty);
      q.close();
    } finally {
      atomics.waitAsync = saved;
    }
  });

  test("getAsync() stopped by its signal stops polling too", async () => {
    const atomics = Atomics as unknown as { waitAsync?: unknown };
    const saved = { waitAsync: atomics.waitAsync, setTimeout: globalThis.setTimeout };
    let timers = 0;
    atomics.waitAsync = undefined;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      timers++;
      return saved.setTimeout(...args);
    }) as typeof setTimeout;
    try {
      const q = new JoinableQueue<string>();
      const controller = new AbortController();
      const got = q.getAsync({ signal: controller.signal }); // no timeout: polls until stopped
      await new Promise((resolve) => saved.setTimeout(resolve, 50));
      expect(timers).toBeGreaterThan(0); // it was polling
      controller.abort(new Error("stop"));
      await expect(got).rejects.toThrow("stop");
      timers = 0;
      await new Promise((resolve) => saved.setTimeout(resolve, 200));
      expect(timers).toBe(0); // polls come every 32 ms at most, and none came
      q.close();
    } finally {
      atomics.waitAsync = saved.waitAsync;
      globalThis.setTimeout = saved.setTimeout;
    }
  });
});

describe("consume() and iterators", () => {
  test("consume() handles every item, calls taskDone() after each, and ends at shutdown", async () => {
    const q = new JoinableQueue<number>();
    q.putMany([1, 2, 3]);
    const seen: number[] = [];
    const done = q.consume(async (n) => {
      await sleep(1);
      expect(q.unfinishedTasks).toBeGreaterThan(0); // not yet marked done while handling
      seen.push(n);
    });
    q.put(4);
    expect(await q.joinAsync({ timeout: 10_000 })).toBe(true);
    q.shutdown();
    await within(5000, done, "consume()");
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(q.unfinishedTasks).toBe(0);
    q.close();
  });

  test("consume() rejects with the handler's error after marking that task done", async () => {
    const q = new JoinableQueue<number>();
    q.putMany([1, 2]);
    const failure = new Error("handler failed");
    const done = q.consume((n) => { if (n === 1) throw failure; });
    await expect(within(5000, done, "consume()")).rejects.toBe(failure);
    expect(q.unfinishedTasks).toBe(1);
    expect(q.qsize()).toBe(1);
    q.close();
  });

  test("consume() stopped by its signal rejects with signal.reason", async () => {
    const q = new JoinableQueue();
    const controller = new AbortController();
    const done = q.consume(() => {}, { signal: controller.signal });
    await sleep(5);
    controller.abort(new Error("enough"));
    await expect(within(5000, done, "consume()")).rejects.toThrow("enough");
    q.close();
  });

  test("for...of yields items until the queue is shut down and empty", () => {
    const q = new JoinableQueue<number>();
    q.putMany([1, 2, 3]);
    q.shutdown();
    expect([...q]).toEqual([1, 2, 3]);
    q.close();
  });

  test("for await...of yields items until the queue is shut down and empty", async () => {
    const q = new JoinableQueue<number>();
    q.putMany([1, 2]);
    setTimeout(() => { q.put(3); q.shutdown(); }, 10);
    const seen: number[] = [];
    for await (const n of q) seen.push(n);
    expect(seen).toEqual([1, 2, 3]);
    q.close();
  });
});

describe("qsize(), empty(), full(), unfinishedTasks", () => {
  test("report the queue's state", () => {
    const q = new JoinableQueue(2);
    expect([q.qsize(), q.empty(), q.full(), q.unfinishedTasks, q.maxsize]).toEqual([0, true, false, 0, 2]);
    q.put(1);
    q.put(2);
    expect([q.qsize(), q.empty(), q.full(), q.unfinishedTasks]).toEqual([2, false, true, 2]);
    q.get();
    expect([q.qsize(), q.empty(), q.full(), q.unfinishedTasks]).toEqual([1, false, false, 2]);
    q.close();
  });

  test("maxsize <= 0 or absent means unbounded, as in Python", () => {
    for (const q of [new JoinableQueue(), new JoinableQueue(0), new JoinableQueue(-5), new JoinableQueue({ maxsize: -1 })]) {
      expect(q.maxsize).toBe(0);
      for (let i = 0; i < 1000; i++) q.putNowait(i);
      expect(q.full()).toBe(false);
      q.close();
    }
  });
});

describe("shutdown()", () => {
  test("shutdown() refuses puts and lets gets drain, then throws ShutDown", () => {
    const q = new JoinableQueue<number>();
    q.putMany([1, 2]);
    q.shutdown();
    expect(thrown(() => q.put(3))).toBeInstanceOf(ShutDown);
    expect(thrown(() => q.putMany([3]))).toBeInstanceOf(ShutDown);
    expect(thrown(() => q.putNowait(3))).toBeInstanceOf(ShutDown);
    expect(q.get()).toBe(1);
    expect(q.getMany(5)).toEqual([2]);
    expect(thrown(() => q.get())).toBeInstanceOf(ShutDown);
    expect(thrown(() => q.getNowait())).toBeInstanceOf(ShutDown);
    expect(thrown(() => q.getMany(2))).toBeInstanceOf(ShutDown);
    expect(q.unfinishedTasks).toBe(2);
    q.taskDone();
    q.taskDone();
    expect(q.join()).toBe(true);
    q.close();
  });

  test("shutdown(true) discards queued items and counts each as done", () => {
    const q = new JoinableQueue<number>();
    q.putMany([1, 2, 3]);
    q.get(); // taken, not done
    q.shutdown(true);
    expect(q.qsize()).toBe(0);
    expect(q.unfinishedTasks).toBe(1);
    expect(q.join(10)).toBe(false);
    q.taskDone();
    expect(q.join(10)).toBe(true);
    expect(thrown(() => q.get())).toBeInstanceOf(ShutDown);
    q.close();
  });

  test("shutdown(true) counts the discarded items done only as far as tasks are unfinished, as Python does", () => {
    // Python: `while self._qsize(): self._get(); if self.unfinished_tasks > 0: self.unfinished_tasks -= 1`.
    const q = new JoinableQueue<number>();
    q.putMany([1, 2, 3]);
    q.taskDone(); // allowed before any get(), as in Python: 2 unfinished, 3 queued
    q.taskDone();
    q.shutdown(true);
    expect(q.unfinishedTasks).toBe(0);
    expect(q.join(0)).toBe(true);
    expect(() => q.taskDone()).toThrow(RangeError);
    expect(q.unfinishedTasks).toBe(0);
    q.close();
  });

  test("shutdown() wakes a pending getAsync() with ShutDown and a pending putAsync() too", async () => {
    const q = new JoinableQueue(1);
    const got = q.getAsync();
    await sleep(5);
    q.shutdown();
    await expect(within(5000, got, "getAsync()")).rejects.toBeInstanceOf(ShutDown);
    const q2 = new JoinableQueue(1);
    q2.put(1);
    const put = q2.putAsync(2);
    await sleep(5);
    q2.shutdown();
    await expect(within(5000, put, "putAsync()")).rejects.toBeInstanceOf(ShutDown);
    q.close();
    q2.close();
  });

  test("shutdown() is seen by every handle, and a second shutdown() is harmless", () => {
    const q = new JoinableQueue();
    const other = JoinableQueue.attach(q.handle);
    other.shutdown();
    other.shutdown(true);
    expect(thrown(() => q.put(1))).toBeInstanceOf(ShutDown);
    other.close();
    q.close();
  });
});

describe("close() and handles", () => {
  test("after close(), every call and the handle/unfinishedTasks getters throw Closed; maxsize still reads", async () => {
    const q = new JoinableQueue(3);
    q.close();
    q.close(); // idempotent
    const calls: Array<[string, () => unknown]> = [
      ["put", () => q.put(1)], ["putNowait", () => q.putNowait(1)], ["get", () => q.get()],
      ["getNowait", () => q.getNowait()], ["putMany", () => q.putMany([1])],
      ["getMany", () => q.getMany(1)], ["taskDone", () => q.taskDone()],
      ["task_done", () => q.task_done()], ["join", () => q.join()], ["qsize", () => q.qsize()],
      ["empty", () => q.empty()], ["full", () => q.full()], ["shutdown", () => q.shutdown()],
      ["handle", () => q.handle], ["unfinishedTasks", () => q.unfinishedTasks],
      ["iterator", () => q[Symbol.iterator]().next()],
    ];
    for (const [name, call] of calls) {
      const e = thrown(call);
      expect([name, e instanceof Closed]).toEqual([name, true]);
    }
    await expect(q.putAsync(1)).rejects.toBeInstanceOf(Closed);
    await expect(q.getAsync()).rejects.toBeInstanceOf(Closed);
    await expect(q.joinAsync()).rejects.toBeInstanceOf(Closed);
    await expect(q.consume(() => {})).rejects.toBeInstanceOf(Closed);
    await expect(q[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(Closed);
    expect(q.maxsize).toBe(3);
  });

  test("closing one handle leaves the others working; Symbol.dispose closes", () => {
    const q = new JoinableQueue<string>();
    const a = JoinableQueue.attach<string>(q.handle);
    a.put("from a");
    a[Symbol.dispose]();
    expect(thrown(() => a.qsize())).toBeInstanceOf(Closed);
    expect(q.get()).toBe("from a");
    q.close();
  });

  test("handle is a plain structured-cloneable object; attach() reads the same queue", () => {
    const q = new JoinableQueue<number>({ maxsize: 7 });
    const copy = structuredClone(q.handle);
    const b = JoinableQueue.attach<number>(copy);
    expect(b.maxsize).toBe(7);
    b.put(42);
    expect(q.qsize()).toBe(1);
    expect(q.get()).toBe(42);
    expect(b.unfinishedTasks).toBe(1);
    b.close();
    q.close();
  });

  test("a caller may supply the compiled core as options.module", () => {
    const q = new JoinableQueue({ module: coreModule() });
    q.put("m");
    expect(q.get()).toBe("m");
    expect(q.handle.module).toBe(coreModule());
    q.close();
  });
});
