/**
 * The queue's error classes, and every error text the bindings produce, in one place.
 *
 * Grammar: `<method>: <what failed> (<why>); received <value>, expected <what>`, so a
 * message names the call, the argument and both sides. Conditions a caller catches on
 * purpose (Empty, Full, ShutDown, Closed, Corrupted) have classes of their own; bad
 * arguments are TypeError (wrong type) or RangeError (out of range).
 *
 * @module
 */

function named<C extends abstract new (...args: never[]) => Error>(cls: C, name: string): C {
  Object.defineProperty(cls.prototype, "name", {
    value: name, writable: true, enumerable: false, configurable: true,
  });
  return cls;
}

/** A get found no item in time (`block: false`, or the timeout passed). */
export class Empty extends Error {}
named(Empty, "Empty");

/** A put found no room in time (`maxsize` items queued, or the `maxBytes` ceiling). */
export class Full extends Error {}
named(Full, "Full");

/** The queue was shut down: puts are refused, and gets once it is empty. */
export class ShutDown extends Error {}
named(ShutDown, "ShutDown");

/** This handle was closed with `close()`; other handles on the queue are unaffected. */
export class Closed extends Error {}
named(Closed, "Closed");

/** The shared memory does not hold a valid queue (a buggy thread wrote over it). */
export class Corrupted extends Error {}
named(Corrupted, "Corrupted");

/** A short, unambiguous description of a received value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "undefined": return "undefined";
    case "string": {
      const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
      return `a string (${JSON.stringify(shown)})`;
    }
    case "number": return Object.is(value, -0) ? "-0" : String(value);
    case "bigint": return `a bigint (${value}n)`;
    case "boolean": return String(value);
    case "symbol": return `a symbol (${String(value)})`;
    case "function": return "a function";
  }
  if (Array.isArray(value)) return "an array";
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  return tag === "Object" ? "an object" : `an object (${tag})`;
}

/** `TypeError: <method>: <argument> must be <expected>; received <value>`. */
export function typeError(method: string, argument: string, expected: string, value: unknown): TypeError {
  return new TypeError(`${method}: ${argument} must be ${expected}; received ${describe(value)}`);
}

/** A TypeError whose received side is already described in words. */
export function mismatch(method: string, argument: string, expected: string, received: string): TypeError {
  return new TypeError(`${method}: ${argument} must be ${expected}; received ${received}`);
}

/** `RangeError: <method>: <argument> must be <expected>; received <value>`. */
export function rangeError(method: string, argument: string, expected: string, value: unknown): RangeError {
  return new RangeError(`${method}: ${argument} must be ${expected}; received ${describe(value)}`);
}

/** What each of the core's corruption checks found wrong, in words. */
export const problems = {
  LOCK: "the lock word holds neither 0 nor 1",
  MAGIC: "the magic number is gone",
  VERSION: "the layout version word changed",
  STATE: "the shutdown state word is out of range",
  PAGES: "the memory ceiling word is out of range or changed",
  HEAP_TOP: "the heap's end lies outside the memory",
  RING: "the ring's address or capacity is out of range or names another block",
  HEAD: "the ring's head offset is out of range",
  USED: "the ring's byte count is out of range",
  COUNT: "the item count disagrees with the ring's bytes or maxsize",
  FREE_LIST: "a free list links a block that is not free",
  FRAME: "the oldest record's framing is damaged",
  SCRATCH: "this handle's scratch block is damaged",
  BATCH: "a batch's framing is damaged",
  MAXSIZE: "the item limit word changed",
  SEAL: "a word only the lock holder may write changed without the lock (the header's seal does not match)",
  TASKS: "the count of tasks done is damaged (not a coded count, or more than the tasks ever put)",
} as const;

export const messages = {
  empty: (method: string, timeout: number | undefined) =>
    timeout === undefined
      ? `${method}: the queue is empty`
      : `${method}: the queue stayed empty for ${timeout} ms`,
  full: (method: string, timeout: number | undefined) =>
    timeout === undefined
      ? `${method}: the queue is full`
      : `${method}: the queue stayed full for ${timeout} ms`,
  shutDown: (method: string) => `${method}: the queue was shut down`,
  closed: (method: string) => `${method}: this handle was closed`,
  corrupted: (method: string, what: string) =>
    `${method}: the queue's shared memory is corrupted (${what})`,
  tooBig: (method: string, bytes: number, max: number) =>
    `${method}: the item is ${bytes} bytes once encoded, and this queue's maxBytes ` +
    `allows items of at most ${max} bytes; raise maxBytes or split the item`,
  batchTooLong: (method: string, length: number, maxsize: number) =>
    `${method}: items must hold at most maxsize (${maxsize}) items to ever fit; received ${length}`,
  tooManyTaskDone: (method: string) =>
    `${method}: called more times than there were items put (no unfinished task)`,
  noScratch: (method: string, bytes: number) =>
    `${method}: no room for a ${bytes}-byte scratch area under this queue's maxBytes`,
  cannotBlock: (method: string, asyncMethod: string) =>
    `${method}: this thread may not block (Atomics.wait is not allowed here, as on a ` +
    `browser's main thread); use ${asyncMethod} instead`,
  lockStuck: (ms: number) =>
    `the lock has been held for more than ${ms} ms; a thread scribbled over the memory`,
  lockHeldAlone: () =>
    "the lock is held, and this host has no other thread that could hold it",
  /** Why no other thread can share a queue (host.ts), by host. */
  hosts: {
    workerd: "workerd (Cloudflare Workers) runs this isolate on one thread, with no workers",
    edgeRuntime: "the Vercel Edge Runtime runs this isolate on one thread, with no workers",
    notIsolated: "this page is not cross-origin isolated (crossOriginIsolated is false), so " +
      "its shared memory cannot be sent to a worker; serve the page with the headers " +
      "Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp",
  },
  cannotShare: (reason: string) =>
    `handle: this queue cannot be shared with another thread: ${reason}. Use it from this ` +
    "thread's async tasks (putAsync(), getAsync(), joinAsync(), consume())",
  cannotBlockAlone: (method: string, asyncMethod: string, reason: string) =>
    `${method}: a blocking call could never be woken here: ${reason}; use ${asyncMethod} instead`,
  compileRefused: (cause: unknown) =>
    `joinable-queue: this host refuses to compile WebAssembly from bytes (${String(cause)}); ` +
    'import the package with the export condition for this host ("workerd", "edge-light"), ' +
    'or pass options.module (the WebAssembly.Module of "joinable-queue/core.wasm")',
  noModule: () =>
    "new JoinableQueue(): this entry point has no compiled core; pass options.module " +
    "(a WebAssembly.Module of joinable-queue's core.wasm)",
} as const;
