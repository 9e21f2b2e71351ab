// Bad input at every entry point: each gets a TypeError, RangeError or DataCloneError whose
// message names the argument and what was received, and the queue is unchanged after it.
import { describe, expect, test } from "vitest";
import { Closed, coreModule, Corrupted, Full, JoinableQueue, ShutDown } from "joinable-queue";
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
  ["shutdown(1)", (q) => q.shutdown(bad(1)), TypeError, ["shutdown()", "immediate", "1"]],
  ["getMany(Infinity)", (q) => q.getMany(Infinity), RangeError, ["max", "Infinity"]],
  ["getMany(1e400)", (q) => q.getMany(1e400), RangeError, ["max", "Infinity"]],
  ["getMany(-0.5)", (q) => q.getMany(-0.5), RangeError, ["max", "-0.5"]],
  ["getMany() with a bigint", (q) => q.getMany(bad(2n)), TypeError, ["max", "2n"]],
  ["getMany() with null options", (q) => q.getMany(1, bad(null)), TypeError, ["getMany()", "options", "null"]],
  ["put() with a bigint timeout", (q) => q.put(1, bad({ timeout: 10n })), TypeError, ["options.timeout", "10n"]],
  ["put() with -Infinity timeout", (q) => q.put(1, { timeout: -Infinity }), RangeError, ["options.timeout", "-Infinity"]],
  ["putNowait() of a symbol", (q) => q.putNowait(Symbol("s")), "DataCloneError", []],
  ["putMany() longer than maxsize", (q) => q.putMany([1, 2, 3, 4, 5, 6]), RangeError, ["putMany()", "6", "5"]],
  ["putMany() with a bad block", (q) => q.putMany([1], bad({ block: 0 })), TypeError, ["options.block", "0"]],
  ["join() with an object", (q) => q.join(bad({ timeout: 1 })), TypeError, ["join()", "timeout"]],
  ["join(-Infinity)", (q) => q.join(-Infinity), RangeError, ["join()", "timeout", "-Infinity"]],
  ["putAsync() with a negative timeout", (q) => q.putAsync(1, { timeout: -3 }), RangeError, ["putAsync()", "options.timeout", "-3"]],
  ["putAsync() with options that are a string", (q) => q.putAsync(1, bad("fast")), TypeError, ["putAsync()", "options", '"fast"']],
  ["getAsync() with a string signal", (q) => q.getAsync(bad({ signal: "stop" })), TypeError, ["getAsync()", "options.signal", '"stop"']],
  ["joinAsync() with NaN timeout", (q) => q.joinAsync({ timeout: NaN }), RangeError, ["joinAsync()", "options.timeout", "NaN"]],
  ["joinAsync() with null options", (q) => q.joinAsync(bad(null)), TypeError, ["joinAsync()", "options", "null"]],
  ["consume() with no handler", (q) => q.consume(bad(undefined)), TypeError, ["consume()", "handler", "undefined"]],
  ["consume() with null options", (q) => q.consume(() => {}, bad(null)), TypeError, ["consume()", "options", "null"]],
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

describe("items that can never fit, through every way in", () => {
  // maxBytes 65536 allows items of a few KiB; 60 000 bytes can never fit.
  const huge = () => new Uint8Array(60_000);
  const cases: Array<[string, (q: JoinableQueue<Uint8Array>) => unknown, string]> = [
    ["put()", (q) => q.put(huge()), "put()"],
    ["put() with block: false", (q) => q.put(huge(), { block: false }), "put()"],
    ["putNowait()", (q) => q.putNowait(huge()), "putNowait()"],
    ["putMany() with a huge item after a small one", (q) => q.putMany([new Uint8Array(10), huge()]), "putMany()"],
    ["putAsync()", (q) => q.putAsync(huge()), "putAsync()"],
  ];
  for (const [name, call, method] of cases) {
    test(`${name} of an item larger than maxBytes allows throws RangeError and changes nothing`, async () => {
      const q = new JoinableQueue<Uint8Array>({ codec: "bytes", maxBytes: 65536, maxsize: 4 });
      q.put(new Uint8Array([7]));
      const e = await outcome(() => call(q));
      expect(e).toBeInstanceOf(RangeError);
      expect(e?.message).toContain(method);
      expect(e?.message).toContain("60000");
      expect(e?.message).toContain("maxBytes");
      expect(q.qsize()).toBe(1);
      expect(q.unfinishedTasks).toBe(1);
      expect([...q.get()]).toEqual([7]);
      q.close();
    });
  }

  test("putMany() whose iterator throws passes that error on and puts nothing", () => {
    const q = new JoinableQueue<number>(5);
    const e = (() => {
      try {
        q.putMany((function* () {
          yield 1;
          throw new SyntaxError("the caller's iterator broke");
        })());
      } catch (error) {
        return error as Error;
      }
    })();
    expect(e).toBeInstanceOf(SyntaxError);
    expect(e?.message).toBe("the caller's iterator broke");
    expect(q.qsize()).toBe(0);
    expect(q.unfinishedTasks).toBe(0);
    q.close();
  });

  test("taskDone() with no unfinished task throws RangeError and changes nothing", () => {
    const q = new JoinableQueue<number>();
    q.put(1);
    q.get();
    q.taskDone();
    q.put(2);
    q.get();
    q.taskDone();
    expect(() => q.taskDone()).toThrow(RangeError);
    expect(() => q.task_done()).toThrow(/no unfinished task/);
    expect(q.unfinishedTasks).toBe(0);
    q.put(3);
    expect(q.unfinishedTasks).toBe(1);
    q.close();
  });
});

describe("huge but valid values are accepted", () => {
  test("the largest maxsize, and one past it", () => {
    const q = new JoinableQueue(0xffff_ffff);
    expect(q.maxsize).toBe(0xffff_ffff);
    q.close();
    expect(() => new JoinableQueue(2 ** 32)).toThrow(RangeError);
    expect(() => new JoinableQueue(Number.MAX_SAFE_INTEGER)).toThrow(/maxsize/);
  });

  test("getMany(2 ** 53) takes what there is", () => {
    const q = new JoinableQueue<number>();
    q.putMany([1, 2, 3]);
    expect(q.getMany(2 ** 53, { block: false })).toEqual([1, 2, 3]);
    q.close();
  });

  test("timeouts of Number.MAX_VALUE and Infinity wait as long as needed", async () => {
    const q = new JoinableQueue<number>(1);
    q.put(1, { timeout: Number.MAX_VALUE });
    expect(q.get({ timeout: Number.MAX_VALUE })).toBe(1);
    q.taskDone();
    expect(q.join(Number.MAX_VALUE)).toBe(true);
    expect(await q.joinAsync({ timeout: Infinity })).toBe(true);
    q.putNowait(2);
    expect(await q.getAsync({ timeout: 1e308 })).toBe(2);
    q.close();
  });

  test("the largest maxBytes is accepted without reserving it", () => {
    const q = new JoinableQueue<string>({ maxBytes: 4294901760, codec: "string" });
    q.put("x".repeat(100_000));
    expect(q.get().length).toBe(100_000);
    q.close();
  });
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
  const otherCodec = new JoinableQueue<unknown>({ codec: "bytes" });
  const emptyModule = new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  const { kind, memory, module, version } = h;
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
    ["a truncated handle (kind only)", { kind }, undefined, ["handle.memory", "undefined"]],
    ["a truncated handle (no module)", { kind, memory }, undefined, ["handle.module", "undefined"]],
    ["a truncated handle (no version)", { kind, memory, module }, undefined, ["handle.version", "undefined"]],
    ["a truncated handle (no codec)", { kind, memory, module, version }, undefined, ["handle.codec", "undefined"]],
    ["a handle that went through JSON", JSON.parse(JSON.stringify(h)), undefined, ["handle.memory", "WebAssembly.Memory"]],
    ["a handle of another kind", { ...h, kind: "queue" }, undefined, ["handle.kind", '"queue"']],
    ["a handle whose module is not the core", { ...h, module: emptyModule }, undefined, ["handle.module", "compiled core"]],
    ["a forged handle naming another codec", { ...h, codec: "bytes" }, undefined, ["handle.codec", '"bytes"', "forged"]],
    ["a handle with the memory of another queue and codec", { ...h, memory: otherCodec.handle.memory }, undefined, ["handle.codec", '"json"']],
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
    otherCodec.close();
  });
});

describe("forged memory", () => {
  test("a memory holding a copy of a real queue's header, and nothing else, is Corrupted", () => {
    const real = new JoinableQueue<number>({ codec: "json" });
    real.putMany([1, 2, 3]);
    const forged = new WebAssembly.Memory({ initial: 1, maximum: 16384, shared: true });
    new Uint8Array(forged.buffer).set(new Uint8Array(real.handle.memory.buffer, 0, 256));
    let e: Error | undefined;
    try {
      const q = JoinableQueue.attach<number>({ ...real.handle, memory: forged });
      q.get({ block: false });
    } catch (error) {
      e = error as Error;
    }
    expect(e).toBeInstanceOf(Corrupted);
    expect(e?.message).toContain("corrupted");
    expect(real.qsize()).toBe(3);
    expect(real.getMany(3)).toEqual([1, 2, 3]);
    real.close();
  });

  test("a queue of the same codec can be reached through another queue's handle parts", () => {
    const a = new JoinableQueue<number>({ codec: "json" });
    const b = new JoinableQueue<number>({ codec: "json" });
    b.put(42);
    const c = JoinableQueue.attach<number>({ ...a.handle, memory: b.handle.memory });
    expect(c.get()).toBe(42); // the memory is the queue; the module is shared by all
    expect(a.qsize()).toBe(0);
    for (const x of [a, b, c]) x.close();
  });
});

describe("which error wins when several apply", () => {
  test("non-blocking calls name themselves", () => {
    const q = new JoinableQueue(1);
    expect(() => q.getNowait()).toThrow(/^getNowait\(\)/);
    q.put(1);
    expect(() => q.putNowait(2)).toThrow(/^putNowait\(\)/);
    q.close();
  });

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
