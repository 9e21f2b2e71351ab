// Bad input at every entry point: each gets a TypeError, RangeError or DataCloneError whose
// message names the argument and what was received, and the queue is unchanged after it.
import { describe, expect, test } from "vitest";
import { Closed, coreModule, Full, JoinableQueue, ShutDown } from "joinable-queue";
import type { QueueHandle } from "joinable-queue";

type AnyQueue = JoinableQueue<unknown>;
type Expected = typeof TypeError | typeof RangeError | typeof Closed | typeof ShutDown | typeof Full | "DataCloneError";

/** The error a call throws or rejects with (undefined if it succeeds). */
async function outcome(call: () => unknown): Promise<Error | undefined> {
  try {
    await call();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

function matches(e: Error | undefined, expected: Expected): boolean {
  if (!e) return false;
  return expected === "DataCloneError" ? e.name === "DataCloneError" : e instanceof expected;
}

const bad = <T>(value: T) => value as never;

// [description, call on a live queue holding one item, expected error, words the message must contain]
const methodCases: Array<[string, (q: AnyQueue) => unknown, Expected, string[]]> = [
  ["put() with null options", (q) => q.put(1, bad(null)), TypeError, ["put()", "options", "null"]],
  ["put() with a string timeout", (q) => q.put(1, bad({ timeout: "10" })), TypeError, ["options.timeout", '"10"']],
  ["put() with a negative timeout", (q) => q.put(1, { timeout: -1 }), RangeError, ["options.timeout", "-1"]],
  ["put() with a NaN timeout", (q) => q.put(1, { timeout: NaN }), RangeError, ["options.timeout", "NaN"]],
  ["put() with a non-boolean block", (q) => q.put(1, bad({ block: "yes" })), TypeError, ["options.block", '"yes"']],
  ["put() with block: null", (q) => q.put(1, bad({ block: null })), TypeError, ["options.block", "null"]],
  ["put() with block: false and a bad timeout", (q) => q.put(1, { block: false, timeout: -2 }), RangeError, ["options.timeout"]],
  ["putNowait() of a function", (q) => q.putNowait(() => 1), "DataCloneError", []],
  ["put() of a symbol", (q) => q.put(Symbol("s")), "DataCloneError", []],
  ["put() of an object holding a function", (q) => q.put({ f() {} }), "DataCloneError", []],
  ["put() of a SharedArrayBuffer", (q) => q.put(new SharedArrayBuffer(8)), "DataCloneError", []],
  ["put() of a WebAssembly.Memory", (q) => q.put(new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true })), "DataCloneError", []],
  ["put() of a WebAssembly.Module", (q) => q.put(coreModule()), "DataCloneError", []],
  ["put() of a MessagePort", (q) => {
    const channel = new MessageChannel();
    try {
      return q.put({ port: channel.port1 });
    } finally {
      channel.port1.close();
      channel.port2.close();
    }
  }, "DataCloneError", []],
  ["get() with a negative timeout", (q) => q.get({ timeout: -5 }), RangeError, ["get()", "options.timeout"]],
  ["get() with a numeric block", (q) => q.get(bad({ block: 1 })), TypeError, ["options.block"]],
  ["get() with a number for options", (q) => q.get(bad(5)), TypeError, ["options", "5"]],
  ["getMany(0)", (q) => q.getMany(0), RangeError, ["getMany()", "max", "positive integer", "0"]],
  ["getMany(1.5)", (q) => q.getMany(1.5), RangeError, ["max", "1.5"]],
  ["getMany(NaN)", (q) => q.getMany(NaN), RangeError, ["max", "NaN"]],
  ["getMany(-1)", (q) => q.getMany(-1), RangeError, ["max", "-1"]],
  ["getMany('2')", (q) => q.getMany(bad("2")), TypeError, ["max", '"2"']],
  ["getMany() with a bad timeout", (q) => q.getMany(2, { timeout: -1 }), RangeError, ["options.timeout"]],
  ["putMany() of a number", (q) => q.putMany(bad(5)), TypeError, ["putMany()", "items", "iterable"]],
  ["putMany(null)", (q) => q.putMany(bad(null)), TypeError, ["items", "null"]],
  ["putMany() holding a function", (q) => q.putMany([1, () => 2]), "DataCloneError", []],
  ["join(-1)", (q) => q.join(-1), RangeError, ["join()", "timeout", "-1"]],
  ["join(NaN)", (q) => q.join(NaN), RangeError, ["timeout", "NaN"]],
  ["join('1')", (q) => q.join(bad("1")), TypeError, ["timeout", '"1"']],
  ["putAsync() with a non-AbortSignal signal", (q) => q.putAsync(1, bad({ signal: {} })), TypeError, ["putAsync()", "options.signal"]],
  ["putAsync() of a function", (q) => q.putAsync(() => 1), "DataCloneError", []],
  ["getAsync() with a negative timeout", (q) => q.getAsync({ timeout: -1 }), RangeError, ["getAsync()", "options.timeout"]],
  ["getAsync() with signal: null", (q) => q.getAsync(bad({ signal: null })), TypeError, ["options.signal", "null"]],
  ["joinAsync() with a string timeout", (q) => q.joinAsync(bad({ timeout: "x" })), TypeError, ["joinAsync()", "options.timeout"]],
  ["consume() with a non-function handler", (q) => q.consume(bad("f")), TypeError, ["consume()", "handler", "function"]],
  ["consume() with a bad signal", (q) => q.consume(() => {}, bad({ signal: 1 })), TypeError, ["options.signal"]],
  ["shutdown() with a non-boolean", (q) => q.shutdown(bad("yes")), TypeError, ["shutdown()", "immediate"]],
];

describe("bad input to methods", () => {
  for (const [name, call, expected, words] of methodCases) {
    test(`${name} throws ${typeof expected === "string" ? expected : expected.name} and changes nothing`, async () => {
      const q = new JoinableQueue<unknown>(5);
      q.put("kept");
      const e = await outcome(() => call(q));
      expect(e).toBeDefined();
      expect(`${e?.name}: ${e?.message} ${matches(e, expected)}`).toContain(" true");
      for (const word of words) expect(e?.message).toContain(word);
      if (words.length > 0) expect(e?.message).toContain("received");
      expect(q.qsize()).toBe(1);
      expect(q.unfinishedTasks).toBe(1);
      expect(q.get()).toBe("kept");
      q.close();
    });
  }
});

describe("bad input to codecs", () => {
  const cases: Array<[string, () => AnyQueue, unknown, string[]]> = [
    ['"bytes" with a string', () => new JoinableQueue({ codec: "bytes" }) as AnyQueue, "text", ["bytes codec", "Uint8Array"]],
    ['"bytes" with an ArrayBuffer', () => new JoinableQueue({ codec: "bytes" }) as AnyQueue, new ArrayBuffer(4), ["Uint8Array"]],
    ['"string" with a number', () => new JoinableQueue({ codec: "string" }) as AnyQueue, 5, ["string codec", "a string"]],
    ['"json" with undefined', () => new JoinableQueue({ codec: "json" }) as AnyQueue, undefined, ["JSON"]],
    ['"json" with a function', () => new JoinableQueue({ codec: "json" }) as AnyQueue, () => 1, ["JSON"]],
    ['"json" with a bigint', () => new JoinableQueue({ codec: "json" }) as AnyQueue, 1n, []],
    ["a custom codec whose encode returns a string", () => new JoinableQueue({
      codec: { name: "broken", encode: () => "x" as never, decode: () => 1 },
    }) as AnyQueue, 1, ["encode()", "Uint8Array"]],
  ];
  for (const [name, make, item, words] of cases) {
    test(`put() to ${name} throws TypeError and changes nothing`, () => {
      const q = make();
      let e: Error | undefined;
      try {
        q.put(item);
      } catch (error) {
        e = error as Error;
      }
      expect(e).toBeInstanceOf(TypeError);
      for (const word of words) expect(e?.message).toContain(word);
      expect(q.qsize()).toBe(0);
      expect(q.unfinishedTasks).toBe(0);
      q.close();
    });
  }

  test("put() of an item larger than maxBytes allows throws RangeError naming maxBytes", () => {
    const q = new JoinableQueue<Uint8Array>({ codec: "bytes", maxBytes: 65536 });
    let e: Error | undefined;
    try {
      q.put(new Uint8Array(60_000));
    } catch (error) {
      e = error as Error;
    }
    expect(e).toBeInstanceOf(RangeError);
    expect(e?.message).toContain("maxBytes");
    expect(e?.message).toContain("60000");
    q.put(new Uint8Array(1000)); // a small item still fits
    expect(q.qsize()).toBe(1);
    q.close();
  });
});

describe("bad input to the constructor", () => {
  const cases: Array<[string, () => unknown, Expected, string[]]> = [
    ["a string maxsize", () => new JoinableQueue(bad("5")), TypeError, ["maxsize", '"5"']],
    ["a fractional maxsize", () => new JoinableQueue(1.5), RangeError, ["maxsize", "1.5"]],
    ["a NaN maxsize", () => new JoinableQueue(NaN), RangeError, ["maxsize", "NaN"]],
    ["an Infinity maxsize", () => new JoinableQueue(Infinity), RangeError, ["maxsize", "Infinity"]],
    ["null options", () => new JoinableQueue(bad(null)), TypeError, ["options", "null"]],
    ["a boolean for options", () => new JoinableQueue(bad(true)), TypeError, ["options", "true"]],
    ["options.maxsize as a string", () => new JoinableQueue({ maxsize: bad("1") }), TypeError, ["options.maxsize"]],
    ["options.maxsize fractional", () => new JoinableQueue({ maxsize: 2.5 }), RangeError, ["options.maxsize", "2.5"]],
    ["options.maxBytes too small", () => new JoinableQueue({ maxBytes: 1000 }), RangeError, ["options.maxBytes", "65536", "1000"]],
    ["options.maxBytes fractional", () => new JoinableQueue({ maxBytes: 65536.5 }), RangeError, ["options.maxBytes"]],
    ["options.maxBytes too large", () => new JoinableQueue({ maxBytes: 2 ** 32 }), RangeError, ["options.maxBytes", "4294901760"]],
    ["options.maxBytes NaN", () => new JoinableQueue({ maxBytes: NaN }), RangeError, ["options.maxBytes", "NaN"]],
    ["options.maxBytes as a string", () => new JoinableQueue({ maxBytes: bad("1") }), TypeError, ["options.maxBytes"]],
    ["an unknown codec name", () => new JoinableQueue({ codec: bad("xml") }), TypeError, ["options.codec", '"xml"']],
    ["a codec object without encode", () => new JoinableQueue({ codec: bad({ name: "x", decode() {} }) }), TypeError, ["options.codec"]],
    ["a numeric codec", () => new JoinableQueue({ codec: bad(5) }), TypeError, ["options.codec", "5"]],
    ["a module that is not a WebAssembly.Module", () => new JoinableQueue({ module: bad({}) }), TypeError, ["options.module", "WebAssembly.Module"]],
    ["a module of bytes", () => new JoinableQueue({ module: bad(new Uint8Array(8)) }), TypeError, ["options.module"]],
  ];
  for (const [name, call, expected, words] of cases) {
    test(`new JoinableQueue() with ${name} throws ${typeof expected === "string" ? expected : expected.name}`, async () => {
      const e = await outcome(call);
      expect(`${e?.name}: ${e?.message} ${matches(e, expected)}`).toContain(" true");
      for (const word of words) expect(e?.message).toContain(word);
      expect(e?.message).toContain("received");
    });
  }
});

describe("bad handles to JoinableQueue.attach()", () => {
  const q = new JoinableQueue<unknown>({ codec: "json" });
  const h = q.handle;
  const unshared = new WebAssembly.Memory({ initial: 1 });
  const blank = new WebAssembly.Memory({ initial: 1, maximum: 2, shared: true });
  const otherVersion = new JoinableQueue<unknown>({ codec: "json" });
  new Int32Array(otherVersion.handle.memory.buffer)[1] = 999; // the layout version word
  const cases: Array<[string, unknown, unknown, string[]]> = [
    ["null", null, undefined, ["handle", "null"]],
    ["a number", 42, undefined, ["handle", "42"]],
    ["an object that is not a handle", {}, undefined, ["handle.kind"]],
    ["a handle without memory", { ...h, memory: undefined }, undefined, ["handle.memory", "WebAssembly.Memory"]],
    ["a handle with an unshared memory", { ...h, memory: unshared }, undefined, ["handle.memory", "shared"]],
    ["a handle with a memory that holds no queue", { ...h, memory: blank }, undefined, ["handle.memory", "magic"]],
    ["a handle whose memory has another layout version", { ...h, memory: otherVersion.handle.memory }, undefined, ["layout version"]],
    ["a handle declaring another layout version", { ...h, version: 99 }, undefined, ["handle.version", "99"]],
    ["a handle without module", { ...h, module: 5 }, undefined, ["handle.module", "WebAssembly.Module"]],
    ["a handle with a codec that is not a name", { ...h, codec: 5 }, undefined, ["handle.codec"]],
    ["a handle with a custom codec and none given", { ...h, codec: "mine" }, undefined, ['"mine"', "options.codec"]],
    ["a codec that does not match the queue's", h, { codec: "bytes" }, ["options.codec", '"json"', '"bytes"']],
    ["options that are not an object", h, 7, ["options"]],
  ];
  for (const [name, handle, options, words] of cases) {
    test(`attach() of ${name} throws TypeError`, () => {
      let e: Error | undefined;
      try {
        JoinableQueue.attach(handle as QueueHandle, options as never);
      } catch (error) {
        e = error as Error;
      }
      expect(e).toBeInstanceOf(TypeError);
      for (const word of words) expect(e?.message).toContain(word);
      expect(q.qsize()).toBe(0);
    });
  }

  test("attach() accepts the matching custom codec", () => {
    const codec = { name: "upper", encode: (s: string) => new TextEncoder().encode(s.toUpperCase()), decode: (b: Uint8Array) => new TextDecoder().decode(b) };
    const a = new JoinableQueue<string>({ codec });
    const b = JoinableQueue.attach<string>(a.handle, { codec });
    b.put("hi");
    expect(a.get()).toBe("HI");
    a.close();
    b.close();
    q.close();
    otherVersion.close();
  });
});

describe("which error wins when several apply", () => {
  test("Closed comes before bad arguments", async () => {
    const q = new JoinableQueue();
    q.close();
    expect(await outcome(() => q.put(1, { timeout: -1 }))).toBeInstanceOf(Closed);
    expect(await outcome(() => q.getMany(0))).toBeInstanceOf(Closed);
    expect(await outcome(() => q.getAsync({ timeout: -1 }))).toBeInstanceOf(Closed);
  });

  test("bad arguments come before ShutDown", async () => {
    const q = new JoinableQueue();
    q.shutdown();
    expect(await outcome(() => q.put(1, { timeout: -1 }))).toBeInstanceOf(RangeError);
    expect(await outcome(() => q.get({ block: bad("no") }))).toBeInstanceOf(TypeError);
    expect(await outcome(() => q.putAsync(1, bad({ signal: 1 })))).toBeInstanceOf(TypeError);
    q.close();
  });

  test("ShutDown comes before DataCloneError, which comes before Full", async () => {
    const shut = new JoinableQueue();
    shut.shutdown();
    expect(await outcome(() => shut.put(() => 1))).toBeInstanceOf(ShutDown);
    expect(await outcome(() => shut.putAsync(() => 1))).toBeInstanceOf(ShutDown);
    const full = new JoinableQueue(1);
    full.put(1);
    expect((await outcome(() => full.put(() => 1, { block: false })))?.name).toBe("DataCloneError");
    expect(await outcome(() => full.put(2, { block: false }))).toBeInstanceOf(Full);
    expect(full.qsize()).toBe(1);
    shut.close();
    full.close();
  });
});
