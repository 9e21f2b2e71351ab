// Values through the queue: each built-in codec's semantics, custom codecs, and the default
// "structured" codec checked against this runtime's structuredClone with fast-check.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { JoinableQueue } from "joinable-queue";
import { assertStructuredEqual } from "./deep_equal.ts";

describe('codec "structured" (the default)', () => {
  test("put()/get() of any structured-cloneable value deep-equals structuredClone(value)", () => {
    const q = new JoinableQueue();
    const value = fc.oneof(
      fc.anything({
        withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true,
        withTypedArray: true, withSparseArray: true, withNullPrototype: false, withObjectString: true,
      }),
      fc.string({ unit: "binary" }),
    );
    fc.assert(fc.property(value, (v) => {
      q.put(v);
      assertStructuredEqual(q.get(), structuredClone(v));
      q.taskDone();
    }), { numRuns: 300 });
    expect(q.qsize()).toBe(0);
    q.close();
  });

  test("keeps shared and cyclic references, Errors, RegExps and offset views", () => {
    const q = new JoinableQueue();
    const shared = { n: 1 };
    const cyclic: Record<string, unknown> = { name: "root" };
    cyclic.self = cyclic;
    const buffer = new ArrayBuffer(16);
    const values = [
      { a: shared, b: shared },
      cyclic,
      new RangeError("out", { cause: "why" }),
      /a+b/giu,
      new DataView(buffer, 4, 8),
      [new Uint16Array(buffer, 2, 3), new Uint8Array(buffer)],
      -0,
      new Date(0),
    ];
    for (const v of values) {
      q.put(v);
      assertStructuredEqual(q.get(), structuredClone(v));
    }
    const [got] = (() => { q.put({ a: shared, b: shared }); return [q.get() as { a: object; b: object }]; })();
    expect(got.a).toBe(got.b);
    q.close();
  });
});

describe('codec "bytes"', () => {
  test("put() copies the caller's bytes and get() returns a new array it owns", () => {
    const q = new JoinableQueue<Uint8Array>({ codec: "bytes" });
    const mine = new Uint8Array([1, 2, 3]);
    q.put(mine);
    mine[0] = 99;
    const got = q.get();
    expect(got).toEqual(new Uint8Array([1, 2, 3]));
    expect(got.buffer).not.toBe(mine.buffer);
    expect(got.buffer instanceof SharedArrayBuffer).toBe(false);
    const view = new Uint8Array(new ArrayBuffer(10), 4, 3).fill(5);
    q.put(view);
    expect(q.get()).toEqual(new Uint8Array([5, 5, 5]));
    q.put(new Uint8Array(0));
    expect(q.get().length).toBe(0);
    q.close();
  });

  test("putAsync() keeps what the caller passed even if the caller changes it while waiting", async () => {
    const q = new JoinableQueue<Uint8Array>({ codec: "bytes", maxsize: 1 });
    q.put(new Uint8Array([0]));
    const mine = new Uint8Array([7, 7]);
    const put = q.putAsync(mine);
    mine.fill(1);
    q.get();
    await put;
    expect(q.get()).toEqual(new Uint8Array([7, 7]));
    q.close();
  });
});

describe('codec "string"', () => {
  test("moves strings as UTF-8; lone surrogates become U+FFFD", () => {
    const q = new JoinableQueue<string>({ codec: "string" });
    for (const s of ["", "plain", "héllo wörld", "emoji 🎉", "日本語"]) {
      q.put(s);
      expect(q.get()).toBe(s);
    }
    q.put("a\uD800b");
    expect(q.get()).toBe("a\uFFFDb");
    q.close();
  });
});

describe('codec "json"', () => {
  test("is JSON.stringify then JSON.parse", () => {
    const q = new JoinableQueue({ codec: "json" });
    const value = { a: [1, "two", null, true], when: new Date(0), skip: undefined };
    q.put(value);
    expect(q.get()).toEqual(JSON.parse(JSON.stringify(value)));
    q.close();
  });
});

describe("custom codecs", () => {
  test("a codec object's encode and decode are used, and attach() needs the same codec", () => {
    const calls: string[] = [];
    const codec = {
      name: "pairs",
      encode(v: [number, number]) { calls.push("encode"); return new Uint8Array(v); },
      decode(b: Uint8Array) { calls.push("decode"); return [b[0], b[1]] as [number, number]; },
    };
    const q = new JoinableQueue<[number, number]>({ codec });
    expect(q.handle.codec).toBe("pairs");
    const other = JoinableQueue.attach(q.handle, { codec });
    other.put([3, 4]);
    expect(q.get()).toEqual([3, 4]);
    expect(calls).toEqual(["encode", "decode"]);
    q.close();
    other.close();
  });

  test("a custom decode receives a private, unshared copy of the bytes", () => {
    let seen: Uint8Array | undefined;
    const codec = {
      name: "keep",
      encode: (v: number) => new Uint8Array([v]),
      decode: (b: Uint8Array) => { seen = b; return b[0]; },
    };
    const q = new JoinableQueue<number>({ codec });
    q.put(9);
    expect(q.get()).toBe(9);
    expect(seen?.buffer instanceof SharedArrayBuffer).toBe(false);
    q.close();
  });

  test("an error thrown by a custom encode reaches the caller and changes nothing", () => {
    const failure = new Error("cannot encode");
    const q = new JoinableQueue({ codec: { name: "fails", encode: () => { throw failure; }, decode: () => 0 } });
    expect(() => q.put(1)).toThrow(failure);
    expect(q.qsize()).toBe(0);
    expect(q.unfinishedTasks).toBe(0);
    q.close();
  });
});
