// Items larger than a handle's scratch area: a get reads them straight out of the ring
// (peek, copy, drop; see "Records larger than the scratch" in assembly/queue.ts), so it
// never needs memory from the heap, where other handles may hold the rest of maxBytes; and
// a putMany that finds no memory for its scratch waits as put() does. The stress test
// (test/stress/) found both: under a byte ceiling, get() threw RangeError ("no room for a
// scratch area") for an item well below the largest allowed, while the puts holding the
// memory waited for that very get.
import { describe, expect, test } from "vitest";
import { coreModule, Full, JoinableQueue } from "joinable-queue";
import { isPending, within } from "./harness.ts";

const MiB = 2 ** 20;

/** n bytes whose every byte depends on its index and `tag`. */
function pattern(n: number, tag: number): Uint8Array {
  const u8 = new Uint8Array(n);
  for (let i = 0; i < n; i++) u8[i] = (i * 7 + tag + (i >>> 10)) & 255;
  return u8;
}

/** "" when `got` is pattern(n, tag), else where it differs (cheaper than a deep equal of
 * megabytes). */
function differs(got: Uint8Array, n: number, tag: number): string {
  if (!(got instanceof Uint8Array)) return `got ${String(got)}, not a Uint8Array`;
  if (got.length !== n) return `got ${got.length} bytes, expected ${n}`;
  const want = pattern(n, tag);
  for (let i = 0; i < n; i++) if (got[i] !== want[i]) return `byte ${i} is ${got[i]}, expected ${want[i]}`;
  return "";
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

/** A queue capped at 8 MiB holding one 1 MiB item, with two more 1 MiB puts waiting for
 * room, each holding a 2 MiB scratch area: what is left of the 8 MiB is less than a
 * scratch area for a 1 MiB item (the largest item allowed is 2 MiB - 8 bytes). */
function crowded() {
  const q = new JoinableQueue<Uint8Array>({ codec: "bytes", maxBytes: 8 * MiB });
  const [b, c, d] = [0, 1, 2].map(() => JoinableQueue.attach<Uint8Array>(q.handle));
  q.put(pattern(MiB, 1));
  const waiting = [b.putAsync(pattern(MiB, 2)), c.putAsync(pattern(MiB, 3))];
  const close = () => { for (const h of [q, b, c, d]) h.close(); };
  return { q, d, waiting, close };
}

describe("items larger than the scratch area", () => {
  test("get() takes a queued 1 MiB item while other handles' waiting puts hold the rest of maxBytes", async () => {
    const { d, waiting, close } = crowded();
    expect(await isPending(waiting[0])).toBe(true);
    expect(differs(d.get({ timeout: 5000 }), MiB, 1)).toBe("");
    // Each get makes room for one waiting put, in either order.
    const next = [await within(5000, d.getAsync(), "getAsync()"), await within(5000, d.getAsync(), "getAsync()")];
    await within(5000, Promise.all(waiting), "the waiting puts");
    next.sort((x, y) => x[0] - y[0]); // pattern(n, tag) starts with tag
    expect(differs(next[0], MiB, 2)).toBe("");
    expect(differs(next[1], MiB, 3)).toBe("");
    expect(d.qsize()).toBe(0);
    close();
  });

  test("getMany() takes a queued 1 MiB item while other handles' waiting puts hold the rest of maxBytes", async () => {
    const { d, waiting, close } = crowded();
    const got = d.getMany(4, { timeout: 5000 });
    expect(got).toHaveLength(1);
    expect(differs(got[0], MiB, 1)).toBe("");
    await within(5000, d.getAsync(), "getAsync()");
    await within(5000, d.getAsync(), "getAsync()");
    await within(5000, Promise.all(waiting), "the waiting puts");
    close();
  });

  test("putMany() waits and throws Full, as put() does, while others hold the memory its scratch area needs", async () => {
    const { d, waiting, close } = crowded();
    expect(thrown(() => d.putMany([pattern(MiB, 4)], { timeout: 20 }))).toBeInstanceOf(Full);
    expect(thrown(() => d.putMany([pattern(MiB, 4)], { block: false }))).toBeInstanceOf(Full);
    expect(d.qsize()).toBe(1);
    for (let i = 0; i < 3; i++) await within(5000, d.getAsync(), "getAsync()");
    await within(5000, Promise.all(waiting), "the waiting puts");
    d.putMany([pattern(MiB, 4)], { timeout: 5000 });
    expect(differs(d.get(), MiB, 4)).toBe("");
    close();
  });

  /** A queue capped at 7 MiB holding one 1 MiB item, and two 1 MiB puts waiting for room
   * that hold 2 MiB scratch areas: then a 600 KB put finds room in the ring but not the
   * 1 MiB scratch area it needs. */
  function starved(first: (h: JoinableQueue<Uint8Array>) => Promise<void>) {
    const q = new JoinableQueue<Uint8Array>({ codec: "bytes", maxBytes: 7 * MiB });
    const [b, c, e] = [0, 1, 2].map(() => JoinableQueue.attach<Uint8Array>(q.handle));
    q.put(pattern(MiB, 1));
    const gaveUp = first(b).catch((error: unknown) => error);
    const other = c.putAsync(pattern(MiB, 3));
    const small = e.putAsync(pattern(600_000, 4)); // no timeout: waits until it gets in
    const close = async () => {
      q.shutdown(true);
      await other.catch(() => {});
      for (const h of [q, b, c, e]) h.close();
    };
    return { q, gaveUp, small, close };
  }

  test("putAsync() waiting for memory for its scratch area wakes when another handle gives its scratch back", async () => {
    const { q, gaveUp, small, close } = starved((b) => b.putAsync(pattern(MiB, 2), { timeout: 50 }));
    expect(await isPending(small)).toBe(true);
    expect(await gaveUp).toBeInstanceOf(Full); // b's put gave up and freed its 2 MiB
    await within(10_000, small, "the 600 KB put");
    expect(q.qsize()).toBe(2);
    await close();
  });

  test("putAsync() aborted while waiting gives its large scratch area back", async () => {
    const controller = new AbortController();
    const { q, gaveUp, small, close } = starved((b) => b.putAsync(pattern(MiB, 2), { signal: controller.signal }));
    expect(await isPending(small)).toBe(true);
    controller.abort(new Error("stop"));
    expect(((await gaveUp) as Error).message).toBe("stop");
    await within(10_000, small, "the 600 KB put");
    expect(q.qsize()).toBe(2);
    await close();
  });

  // The stall the stress test met once (the README's "Known issue" until the fix): two
  // putters of 1 MiB items each hold a 2 MiB scratch area while they wait, the consumers
  // empty the ring, and the ring must then grow from 1 MiB to 2 MiB for either item, with
  // no 2 MiB block left under maxBytes. The ring grows into the waiting putter's own
  // scratch area.
  test("putAsync() of large items that wait while holding their scratch areas still get in once the ring must grow", async () => {
    // 120 pages: the ring may reach 2 MiB (a third of the memory, rounded down to a power
    // of two). Filling the 1 MiB ring takes about 2.1 MiB of heap (the ring and the smaller
    // rings it moved from), each waiting put's scratch 2 MiB more: 1.5 MiB are left.
    const q = new JoinableQueue<Uint8Array>({ codec: "bytes", maxsize: 100, maxBytes: 120 * 65536 });
    const [b, c, d] = [0, 1, 2].map(() => JoinableQueue.attach<Uint8Array>(q.handle));
    for (let i = 0; i < 100; i++) q.put(pattern(8000, i)); // 800 KB: the ring grows to 1 MiB
    const waiting = [b.putAsync(pattern(MiB, 200)), c.putAsync(pattern(MiB, 201))];
    expect(await isPending(waiting[0])).toBe(true); // full: maxsize 100
    expect(await isPending(waiting[1])).toBe(true);
    for (let i = 0; i < 100; i++) expect(differs(d.get({ timeout: 5000 }), 8000, i)).toBe("");
    // The ring is empty but 1 MiB, too small for either item: one of them must grow it.
    const first = await within(10_000, d.getAsync(), "the first large item");
    const second = await within(10_000, d.getAsync(), "the second large item");
    await within(10_000, Promise.all(waiting), "the waiting puts");
    const [x, y] = [first, second].sort((u, v) => u[0] - v[0]);
    expect(differs(x, MiB, 200)).toBe("");
    expect(differs(y, MiB, 201)).toBe("");
    expect(q.qsize()).toBe(0);
    expect(q.unfinishedTasks).toBe(102);
    for (const h of [q, b, c, d]) h.close();
  });

  const putsNow: [string, (h: JoinableQueue<Uint8Array>, item: Uint8Array) => void][] = [
    ["put()", (h, item) => h.put(item, { block: false })],
    ["putMany()", (h, item) => h.putMany([item], { block: false })],
  ];
  for (const [method, put] of putsNow) test(`${method} grows the ring into its own scratch area when the heap has no block for it`, async () => {
    // 112 pages: the ring may reach 2 MiB. The 1 MiB ring and the rings it moved from take
    // about 2.1 MiB; b's waiting put holds 2 MiB, d's put 2 MiB more: 1 MiB is left.
    const q = new JoinableQueue<Uint8Array>({ codec: "bytes", maxsize: 100, maxBytes: 112 * 65536 });
    const [b, d] = [0, 1].map(() => JoinableQueue.attach<Uint8Array>(q.handle));
    for (let i = 0; i < 100; i++) q.put(pattern(8000, i));
    const waiting = b.putAsync(pattern(MiB, 200));
    expect(await isPending(waiting)).toBe(true); // full: maxsize 100
    // All in this one turn of the event loop, before b's put tries again.
    for (let i = 0; i < 100; i++) expect(differs(d.get({ block: false }), 8000, i)).toBe("");
    put(d, pattern(MiB, 201)); // the 1 MiB ring must grow to 2 MiB
    expect(differs(d.get({ block: false }), MiB, 201)).toBe("");
    expect(differs(await within(10_000, d.getAsync(), "b's item"), MiB, 200)).toBe("");
    await within(10_000, waiting, "b's put");
    d.put(pattern(100, 202), { block: false }); // d's scratch area (the ring's old block) works
    expect(differs(d.get({ block: false }), 100, 202)).toBe("");
    expect(q.unfinishedTasks).toBe(103);
    for (const h of [q, b, d]) h.close();
  });

  test("get() returns an item larger than the scratch area whole when its bytes wrap around the ring's end", () => {
    const q = new JoinableQueue<Uint8Array>({ codec: "bytes" });
    q.put(pattern(20_000, 1)); // the 16 KiB ring moves to a 32 KiB block, from offset 0
    expect(differs(q.get(), 20_000, 1)).toBe("");
    q.put(pattern(20_000, 2)); // written from offset ~20 KiB: wraps past 32 KiB
    expect(differs(q.get(), 20_000, 2)).toBe("");
    q.put(pattern(30_000, 3)); // and from ~40 KiB mod 32 KiB
    const got = q.getMany(3);
    expect(got).toHaveLength(1);
    expect(differs(got[0], 30_000, 3)).toBe("");
    q.close();
  });
});

describe("core: peek() and drop()", () => {
  /** The core's raw exports over `q`'s memory, as a second thread would see them. */
  function rawCore(q: JoinableQueue<Uint8Array>) {
    const exports = new WebAssembly.Instance(coreModule(), { env: { memory: q.handle.memory } }).exports;
    const fn = exports as unknown as Record<string, (...args: number[]) => number>;
    const value = (name: string) => (exports[name] as WebAssembly.Global).value as number;
    const STALE = value("STALE");
    /** drop(), passing the places the note says, as the bindings do after their copy. */
    const drop = (scratch: number) => {
      const words = new Uint32Array(q.handle.memory.buffer, scratch, value("NOTE_BYTES") / 4);
      const at = (name: string) => words[value(name) / 4];
      return fn.drop(scratch, at("NOTE_FROM"), at("NOTE_FIRST"), at("NOTE_RING"), at("NOTE_SECOND"));
    };
    return { fn, STALE, drop, CORRUPTED: value("CORRUPTED") };
  }

  test("drop() answers STALE and takes nothing when another handle took the record after peek()", () => {
    const q = new JoinableQueue<Uint8Array>({ codec: "bytes" });
    q.put(pattern(100_000, 1));
    q.put(pattern(10, 2));
    const { fn, STALE, drop } = rawCore(q);
    const scratch = fn.allocScratch(16384);
    expect(fn.peek(scratch)).toBe(100_000);
    expect(differs(q.get(), 100_000, 1)).toBe(""); // taken by another handle in between
    expect(drop(scratch)).toBe(STALE);
    expect(q.qsize()).toBe(1);
    expect(fn.peek(scratch)).toBe(10);
    expect(drop(scratch)).toBe(1);
    expect(q.qsize()).toBe(0);
    expect(q.unfinishedTasks).toBe(2); // a take leaves its task unfinished
    fn.freeScratch(scratch);
    q.close();
  });

  test("drop() answers STALE and takes nothing when the ring moved after peek()", () => {
    const q = new JoinableQueue<Uint8Array>({ codec: "bytes" });
    q.put(pattern(20_000, 1));
    const { fn, STALE, drop } = rawCore(q);
    const scratch = fn.allocScratch(16384);
    expect(fn.peek(scratch)).toBe(20_000);
    q.put(pattern(200_000, 2)); // the ring grows: it moves to a larger block
    expect(drop(scratch)).toBe(STALE);
    expect(q.qsize()).toBe(2);
    expect(differs(q.get(), 20_000, 1)).toBe("");
    expect(differs(q.get(), 200_000, 2)).toBe("");
    fn.freeScratch(scratch);
    q.close();
  });

  test("drop() answers STALE after shutdown(true) discarded the record peek() noted", () => {
    const q = new JoinableQueue<Uint8Array>({ codec: "bytes" });
    q.put(pattern(20_000, 1));
    const { fn, STALE, drop } = rawCore(q);
    const scratch = fn.allocScratch(16384);
    expect(fn.peek(scratch)).toBe(20_000);
    q.shutdown(true);
    expect(drop(scratch)).toBe(STALE);
    expect(q.qsize()).toBe(0);
    expect(q.unfinishedTasks).toBe(0);
    fn.freeScratch(scratch);
    q.close();
  });

  test("drop() refuses, as corruption, places that are not where the record lies", () => {
    const q = new JoinableQueue<Uint8Array>({ codec: "bytes" });
    q.put(pattern(20_000, 1));
    const { fn, CORRUPTED } = rawCore(q);
    const scratch = fn.allocScratch(16384);
    expect(fn.peek(scratch)).toBe(20_000);
    const note = new Uint32Array(q.handle.memory.buffer, scratch, 4); // from, first, ring, second
    const [from, first, ring, second] = note;
    expect(fn.drop(scratch, from + 8, first, ring, second)).toBe(CORRUPTED);
    expect(fn.drop(scratch, from, first - 8, ring, second + 8)).toBe(CORRUPTED);
    expect(fn.drop(scratch, from, first, ring + 8, second)).toBe(CORRUPTED);
    fn.freeScratch(scratch);
    q.close();
  });
});
