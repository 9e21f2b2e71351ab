// Scribbled memory: a buggy thread overwrites bytes of a queue's shared memory (header
// words, counters, block headers, free lists, frame headers, payloads, or anywhere), then
// the queue's own thread calls every public method. Each call must answer a well-formed
// value, or throw an error that belongs to it (Corrupted saying the memory is corrupted,
// or Empty/Full/ShutDown/the codec's decode error where the damaged state makes that the
// answer); none may hang, crash or return bytes from outside the queue's storage.
//
// In this file: the property (random scribbles, then every call), one fixed case per bug
// it found, damage inside a payload, a lock held forever, and two cases where the buggy
// thread writes while the calls run (a word rewritten between a check and its use; a
// waiter count zeroed under a sleeping get()).
//
// The victim runs in a worker (scribble_worker.mjs) and this thread is the buggy one: it
// writes straight into `handle.memory.buffer`, the same shared memory. A call that never
// returns then fails the test instead of hanging the run.
//
// "Outside the queue's storage" is made visible with a canary: before scribbling, every
// byte outside the header and the heap's blocks (the header's reserved tail and everything
// past HEAP_TOP) is set to CANARY, a byte that no item, frame header or scribble contains.
// Frame padding is at most 7 bytes, so a run of 8 canary bytes in a returned item can only
// come from memory outside the queue's storage. When no scribble touched the ring (its
// bytes, its block header, or the words that say where it is and what it holds: RING,
// RING_CAP, HEAD, USED, COUNT), the check is stricter: every item returned must be, byte
// for byte, an item that was put. (Damage to those words can make stale bytes of the ring
// read as records: no checksums are promised.)
//
// SCRIBBLE_RUNS scales the property (default 300; it also lengthens the rewriting case)
// and prints progress and a breakdown of the answers; SCRIBBLE_SEED (and SCRIBBLE_PATH)
// reproduce a failure: the failure message prints the command (the same variables work
// under deno test and bun test). A failure is not shrunk (a hung run costs 30 s a try)
// unless SCRIBBLE_SHRINK=1.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import process from "node:process";
import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { coreModule, JoinableQueue, type QueueHandle } from "joinable-queue";
import { runtime, sleep } from "./harness.ts";

// ---- The memory map, read from assembly/layout.ts (one source of truth) -----------------

const layoutSource = readFileSync(new URL("../assembly/layout.ts", import.meta.url), "utf8");
const L: Record<string, number> = {};
for (const m of layoutSource.matchAll(/export const (\w+): u32 = (0x[0-9a-f_]+|\d+);/gi)) {
  L[m[1]] = Number(m[2].replaceAll("_", ""));
}

/** Every header word of layout.ts, with its size in bytes. */
const HEADER_WORDS: ReadonlyArray<readonly [string, number]> = [
  ["MAGIC", 4], ["VERSION", 4], ["MAXSIZE", 4], ["MAX_PAGES", 4], ["CODEC_TAG", 4],
  ["RING", 4], ["RING_CAP", 4], ["HEAP_TOP", 4], ["RING_GEN", 4], ["FREE_MAP", 4],
  ["LOCK", 4], ["STATE", 4], ["COUNT", 4], ["HEAD", 4], ["USED", 4], ["SEAL", 4],
  ["TASKS_PUT", 8], ["TAKEN", 8], ["PUT_EPOCH", 4], ["GET_EPOCH", 4], ["DONE_EPOCH", 4],
  ["GET_WAITERS", 4], ["PUT_WAITERS", 4], ["JOIN_WAITERS", 4], ["FREE_HEAD", 128], ["TASKS_DONE", 8],
];
/** The 4-byte cells the scribbler aims at: one per word, two per u64, 32 free-list heads. */
const HEADER_CELLS: ReadonlyArray<{ name: string; at: number }> = HEADER_WORDS.flatMap(([name, size]) =>
  Array.from({ length: size / 4 }, (_, i) => ({ name: size > 4 ? `${name}+${4 * i}` : name, at: L[name] + 4 * i })));
// The header's reserved bytes (layout.ts: from RESERVED up to LOCK, and the rest of
// TASKS_DONE's line, from RESERVED_DONE_LINE up to HEAP_START) hold the canary.
const RESERVED_SPANS: ReadonlyArray<readonly [number, number]> = [
  [L.RESERVED, L.LOCK], [L.RESERVED_DONE_LINE, L.HEAP_START],
];
const isReserved = (at: number) => RESERVED_SPANS.some(([from, to]) => at >= from && at < to);

const CANARY = 0xc5;
const MAX_BYTES = 4 << 20;
/** A call that takes longer than this counts as hung (a stuck lock alone costs ~2 s). */
const CALL_BOUND_MS = 10_000;
/** How long a whole run's calls may take before the victim counts as hung. */
const RUN_BOUND_MS = 30_000;
const SHORT = 2; // ms: the timeouts of the calls that may wait

// ---- Items: recognisable bytes, no canary ------------------------------------------------

type Codec = "bytes" | "structured";
type Item = Uint8Array | { id: number; text: string };

/** Bytes 0x40-0x7f only: never the canary, and no 8 of them form a frame header. */
function itemBytes(id: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let k = 0; k < size; k++) bytes[k] = 0x40 | ((k < 4 ? id >> (6 * k) : id * 131 + k * 7) & 63);
  return bytes;
}

function makeItem(codec: Codec, id: number, size: number): Item {
  const bytes = itemBytes(id, size);
  return codec === "bytes" ? bytes : { id, text: String.fromCharCode(...bytes) };
}

/** A key that is equal for equal items (and for nothing else of the item's shape). */
function itemKey(value: unknown): string | undefined {
  if (value instanceof Uint8Array) return "b:" + Array.from(value, (b) => b.toString(16)).join(",");
  try {
    return "s:" + JSON.stringify(value);
  } catch {
    return undefined; // a bigint or the like: no put item has one
  }
}

/** Whether `value` holds 8 canary bytes in a row, in any string or binary part of it. */
function holdsCanary(value: unknown, seen = new Set<unknown>()): boolean {
  if (typeof value === "string") return value.includes(String.fromCharCode(CANARY).repeat(8));
  if (value === null || typeof value !== "object" || seen.has(value)) return false;
  seen.add(value);
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    let run = 0;
    for (const b of bytes) if ((run = b === CANARY ? run + 1 : 0) >= 8) return true;
    return false;
  }
  if (value instanceof ArrayBuffer) return holdsCanary(new Uint8Array(value), seen);
  if (value instanceof Map) return [...value].some(([k, v]) => holdsCanary(k, seen) || holdsCanary(v, seen));
  if (value instanceof Set) return [...value].some((v) => holdsCanary(v, seen));
  return Object.values(value).some((v) => holdsCanary(v, seen));
}

// ---- The victim thread --------------------------------------------------------------------

interface ErrorInfo { name: string; message: string; stack?: string }
interface Outcome { kind: string; ms: number; ok?: boolean; hung?: boolean; value?: unknown; error?: ErrorInfo }
interface Call { kind: string; [arg: string]: unknown }

class Victim {
  readonly #worker = new Worker(new URL("./scribble_worker.mjs", import.meta.url));
  #nextId = 1;
  readonly #pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void; onOutcome?: (o: Outcome) => void; started?: (k: number) => void }>();
  dead = false;

  constructor() {
    this.#worker.on("message", (m: { id: number; ok?: boolean; result?: unknown; error?: ErrorInfo; outcome?: Outcome; outcomes?: Outcome[]; started?: number }) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      if (m.outcome) return p.onOutcome?.(m.outcome);
      if (m.outcomes) return m.outcomes.forEach((o) => p.onOutcome?.(o));
      if (m.started !== undefined) return p.started?.(m.started);
      this.#pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(Object.assign(new Error(`victim: ${m.error?.name}: ${m.error?.message}\n${m.error?.stack ?? ""}`), { name: m.error?.name }));
    });
    const fail = (e: Error) => {
      this.dead = true;
      for (const p of this.#pending.values()) p.reject(e);
      this.#pending.clear();
    };
    this.#worker.on("error", fail);
    this.#worker.on("exit", (code) => fail(new Error(`the victim worker exited (code ${code})`)));
  }

  /** Runs `op` in the victim; rejects after `ms` (the victim is then terminated). */
  request<R>(op: string, args: Record<string, unknown>, ms: number, hooks: { onOutcome?: (o: Outcome) => void; started?: (k: number) => void } = {}): Promise<R> {
    const id = this.#nextId++;
    let timer: ReturnType<typeof setTimeout>;
    const done = new Promise<R>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (r: unknown) => void, reject, ...hooks });
      timer = setTimeout(() => {
        this.#pending.delete(id);
        void this.terminate();
        reject(new Error(`the victim did not finish "${op}" within ${ms} ms`));
      }, ms);
    });
    this.#worker.postMessage({ op, id, ...args });
    return done.finally(() => clearTimeout(timer));
  }

  async terminate(): Promise<void> {
    this.dead = true;
    await this.#worker.terminate();
  }
}

let victim: Victim | undefined;
let victimRuns = 0;
/** The victim for the next run. Each run's queue is a new shared memory, which engines
 * reserve generously and free only once every thread that saw it lets go: a fresh worker
 * every few hundred runs keeps a long run from exhausting the address space. */
function liveVictim(): Victim {
  if (victim && !victim.dead && ++victimRuns % 500 === 0) void victim.terminate();
  if (!victim || victim.dead) victim = new Victim();
  return victim;
}

// ---- What the memory holds before the scribbles ------------------------------------------

interface Snapshot {
  memBytes: number;
  heapTop: number;
  ring: number;
  cap: number;
  head: number;
  used: number;
  blocks: { at: number; klass: number; free: boolean }[]; // at: the block's payload address
  frames: { at: number; len: number }[]; // at: the frame's offset in the ring
}

function u32(mem: Uint8Array, at: number): number {
  return (mem[at] | (mem[at + 1] << 8) | (mem[at + 2] << 16) | (mem[at + 3] << 24)) >>> 0;
}

function memoryOf(handle: QueueHandle): Uint8Array {
  handle.memory.grow(0); // another thread grew it: refresh this thread's view
  return new Uint8Array(handle.memory.buffer);
}

function snapshot(mem: Uint8Array): Snapshot {
  const word = (name: string) => u32(mem, L[name]);
  const s: Snapshot = {
    memBytes: mem.length, heapTop: word("HEAP_TOP"), ring: word("RING"), cap: word("RING_CAP"),
    head: word("HEAD"), used: word("USED"), blocks: [], frames: [],
  };
  for (let at = L.HEAP_START; at < s.heapTop;) {
    const klass = u32(mem, at);
    s.blocks.push({ at: at + L.BLOCK_HEADER, klass, free: u32(mem, at + 4) === L.BLOCK_FREE });
    at += L.BLOCK_HEADER + 2 ** klass;
  }
  for (let off = 0; off < s.used;) {
    const at = (s.head + off) % s.cap;
    const len = u32(mem, s.ring + at);
    s.frames.push({ at, len });
    off += Math.ceil((L.FRAME_HEADER + len) / L.FRAME_ALIGN) * L.FRAME_ALIGN;
  }
  return s;
}

function fillCanary(mem: Uint8Array, s: Snapshot): void {
  for (const [from, to] of RESERVED_SPANS) mem.fill(CANARY, from, to);
  mem.fill(CANARY, s.heapTop);
}

// ---- Scribbles ------------------------------------------------------------------------------

type Target =
  | { t: "header"; cell: number }
  | { t: "blockHeader"; pick: number; field: 0 | 4 }
  | { t: "freeLink"; pick: number }
  | { t: "frameHeader"; pick: number; field: 0 | 4 }
  | { t: "forgeFrame"; pick: number; len: number }
  | { t: "payload"; pick: number; at: number }
  | { t: "ring"; at: number }
  | { t: "heap"; at: number }
  | { t: "anywhere"; at: number };

type Value =
  | { v: "random"; x: number }
  | { v: "const"; x: number }
  | { v: "small"; x: number }
  | { v: "delta"; d: number }
  | { v: "bound"; which: number; d: number }
  | { v: "pointer"; pick: number; header: boolean };

/** One write of the buggy thread: `value` at `target`, all 4 bytes or only byte `byte`. */
interface Scribble { target: Target; value: Value; byte: number }

interface Write { at: number; bytes: number[]; what: string }

const CONSTS = [0, 1, 2, 7, 8, 0xff, 0xffff, 0x1_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_fff8, 0xffff_ffff];
const DELTAS = [-64, -16, -8, -4, -1, 1, 4, 8, 16, 64];

const scribbleArb: fc.Arbitrary<Scribble> = fc.record({
  target: fc.oneof(
    // Each word as likely as any other (the 32 free-list heads count as one word).
    { weight: 8, arbitrary: fc.tuple(fc.nat(HEADER_WORDS.length - 1), fc.nat(31)).map(([word, i]): Target => {
      const [name, size] = HEADER_WORDS[word];
      return { t: "header", cell: HEADER_CELLS.findIndex((c) => c.at === L[name] + 4 * (i % (size / 4))) };
    }) },
    { weight: 2, arbitrary: fc.record({ pick: fc.nat(), field: fc.constantFrom(0 as const, 4 as const) }).map((r): Target => ({ t: "blockHeader", ...r })) },
    { weight: 1, arbitrary: fc.nat().map((pick): Target => ({ t: "freeLink", pick })) },
    { weight: 3, arbitrary: fc.record({ pick: fc.nat(), field: fc.constantFrom(0 as const, 4 as const) }).map((r): Target => ({ t: "frameHeader", ...r })) },
    { weight: 1, arbitrary: fc.record({ pick: fc.nat(), len: fc.oneof(fc.nat(64), fc.nat(), fc.constantFrom(0xffff_ffff, 0x7fff_ffff, 0x10_0000)) }).map((r): Target => ({ t: "forgeFrame", ...r })) },
    { weight: 2, arbitrary: fc.record({ pick: fc.nat(), at: fc.nat() }).map((r): Target => ({ t: "payload", ...r })) },
    { weight: 1, arbitrary: fc.nat().map((at): Target => ({ t: "ring", at })) },
    { weight: 1, arbitrary: fc.nat().map((at): Target => ({ t: "heap", at })) },
    { weight: 1, arbitrary: fc.nat().map((at): Target => ({ t: "anywhere", at })) },
  ),
  value: fc.oneof(
    fc.nat({ max: 0xffff_ffff }).map((x): Value => ({ v: "random", x })),
    fc.constantFrom(...CONSTS).map((x): Value => ({ v: "const", x })),
    fc.nat(40).map((x): Value => ({ v: "small", x })), // a size class, a count, a state
    fc.constantFrom(...DELTAS).map((d): Value => ({ v: "delta", d })),
    fc.record({ which: fc.nat(), d: fc.constantFrom(-8, -4, -1, 0, 1, 4, 8) }).map((r): Value => ({ v: "bound", ...r })),
    fc.record({ pick: fc.nat(), header: fc.boolean() }).map((r): Value => ({ v: "pointer", ...r })),
  ),
  byte: fc.oneof({ weight: 3, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat(3) }),
});

function le32(x: number): number[] {
  return [x & 255, (x >>> 8) & 255, (x >>> 16) & 255, (x >>> 24) & 255];
}

function valueFor(value: Value, current: number, s: Snapshot): number {
  switch (value.v) {
    case "random": case "const": case "small": return value.x >>> 0;
    case "delta": return (current + value.d) >>> 0;
    case "bound": {
      const bounds = [s.memBytes, s.heapTop, s.cap, s.ring, s.ring + s.cap, L.HEAP_START, s.used, MAX_BYTES, MAX_BYTES >>> 16, s.cap * 2];
      return (bounds[value.which % bounds.length] + value.d) >>> 0;
    }
    case "pointer": {
      const block = s.blocks[value.pick % s.blocks.length];
      return value.header ? block.at - L.BLOCK_HEADER : block.at;
    }
  }
}

/** Where and what a scribble writes, against this snapshot; undefined when its target is absent. */
function resolve(sc: Scribble, s: Snapshot, mem: Uint8Array): Write | undefined {
  const word = (at: number, what: string): Write => {
    const bytes = le32(valueFor(sc.value, u32(mem, at), s));
    return sc.byte < 0
      ? { at, bytes, what }
      : { at: at + sc.byte, bytes: [bytes[sc.byte]], what: `${what} byte ${sc.byte}` };
  };
  const byteAt = (at: number, what: string): Write =>
    ({ at, bytes: [valueFor(sc.value, mem[at], s) & 255], what });
  const t = sc.target;
  const frame = "pick" in t && s.frames.length > 0 ? s.frames[t.pick % s.frames.length] : undefined;
  switch (t.t) {
    case "header": {
      const cell = HEADER_CELLS[t.cell];
      return word(cell.at, cell.name);
    }
    case "blockHeader": {
      const block = s.blocks[t.pick % s.blocks.length];
      return word(block.at - L.BLOCK_HEADER + t.field, `${t.field === 0 ? "class" : "tag"} of the block at ${block.at}`);
    }
    case "freeLink": {
      const free = s.blocks.filter((b) => b.free);
      if (free.length === 0) return undefined;
      const block = free[t.pick % free.length];
      return word(block.at, `free link of the block at ${block.at}`);
    }
    case "frameHeader":
      return frame && word(s.ring + frame.at + t.field, `${t.field === 0 ? "len" : "~len"} of the frame at ring offset ${frame.at}`);
    case "forgeFrame":
      return frame && {
        at: s.ring + frame.at, bytes: [...le32(t.len), ...le32(~t.len)],
        what: `a consistent frame header of len ${t.len} over the frame at ring offset ${frame.at} (len ${frame.len})`,
      };
    case "payload": {
      if (!frame) return undefined;
      const i = t.at % Math.max(1, frame.len);
      return byteAt(s.ring + ((frame.at + L.FRAME_HEADER + i) % s.cap), `payload byte ${i} of the frame at ring offset ${frame.at}`);
    }
    case "ring": return byteAt(s.ring + (t.at % s.cap), `ring byte ${t.at % s.cap}`);
    case "heap": {
      const at = L.HEAP_START + (t.at % (s.heapTop - L.HEAP_START));
      return byteAt(at, `heap byte at ${at}`);
    }
    case "anywhere": return byteAt(t.at % s.heapTop, `byte at ${t.at % s.heapTop}`);
  }
}

const RING_WORDS = ["RING", "RING_CAP", "HEAD", "USED", "COUNT"].map((name) => L[name]);

/** Applies the writes; returns whether any of them touched the ring (see the top). */
function scribble(mem: Uint8Array, s: Snapshot, writes: Write[]): boolean {
  let ringTouched = false;
  for (const w of writes) {
    w.bytes.forEach((b, i) => {
      const at = w.at + i;
      mem[at] = b === CANARY ? CANARY - 1 : b; // the canary stays unique to unowned memory
      if (at >= s.ring - L.BLOCK_HEADER && at < s.ring + s.cap) ringTouched = true;
      if (RING_WORDS.includes(at & ~3)) ringTouched = true;
    });
  }
  // A lock word left at 1 (held) makes every call wait LOCK_STUCK_MS before it throws
  // Corrupted: too slow for hundreds of runs. The test "a lock held forever" covers it.
  if (u32(mem, L.LOCK) === 1) {
    mem[L.LOCK] = 2;
    writes.push({ at: L.LOCK, bytes: [2], what: "LOCK (1 replaced by 2: see 'a lock held forever')" });
  }
  return ringTouched;
}

// ---- The setup and the calls -------------------------------------------------------------

interface Setup {
  codec: Codec;
  maxsize: number;
  churn?: number[]; // sizes of items put, got and done first, to move the head around the ring
  ops: ({ op: "put"; size: number } | { op: "get" } | { op: "taskDone" })[];
}

const itemSize = fc.oneof(
  { weight: 8, arbitrary: fc.nat(120) },
  { weight: 2, arbitrary: fc.integer({ min: 121, max: 3000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 3001, max: 12_000 }) },
);

const setupArb: fc.Arbitrary<Setup> = fc.record({
  codec: fc.constantFrom<Codec>("bytes", "structured"),
  maxsize: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 12 })),
  churn: fc.oneof(fc.constant<number[]>([]), fc.array(fc.integer({ min: 500, max: 5000 }), { maxLength: 24 })),
  ops: fc.array(fc.oneof(
    { weight: 4, arbitrary: itemSize.map((size) => ({ op: "put" as const, size })) },
    { weight: 1, arbitrary: fc.integer({ min: 3000, max: 12_000 }).map((size) => ({ op: "put" as const, size })) }, // grows the ring
    { weight: 3, arbitrary: fc.constant({ op: "get" as const }) },
    { weight: 2, arbitrary: fc.constant({ op: "taskDone" as const }) },
  ), { maxLength: 40 }),
});

/** The calls between the setup and shutdown, each once, in an order the property picks. */
const MIDDLE_CALLS: ReadonlyArray<string> = [
  "qsize", "empty", "full", "unfinishedTasks", "get", "getTimeout", "getNowait", "getMany",
  "getManyTimeout", "put", "putTimeout", "putNowait", "putMany", "putAsync", "getAsync",
  "joinAsync", "taskDone", "task_done", "join", "attach",
];
const DRAINS: ReadonlyArray<string> = ["iterate", "iterateAsync", "consume"];

interface Case {
  setup: Setup;
  scribbles: Scribble[];
  order: string[];
  drains: string[];
  immediate: boolean;
  sizes: number[]; // of the items the calls put
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  setup: setupArb,
  scribbles: fc.array(scribbleArb, { minLength: 1, maxLength: 6 }),
  order: fc.shuffledSubarray([...MIDDLE_CALLS], { minLength: MIDDLE_CALLS.length }),
  drains: fc.shuffledSubarray([...DRAINS], { minLength: DRAINS.length }),
  immediate: fc.boolean(),
  sizes: fc.array(itemSize, { minLength: 6, maxLength: 6 }),
});

/** The setup's steps, kept to what a correct queue accepts (a plain model), with items. */
function setupSteps(setup: Setup, put: Item[]): { op: string; item?: Item }[] {
  let count = 0;
  let unfinished = 0;
  const steps: { op: string; item?: Item }[] = [];
  for (const size of setup.churn ?? []) {
    const item = makeItem(setup.codec, put.length, size);
    put.push(item);
    steps.push({ op: "put", item }, { op: "get" }, { op: "taskDone" });
  }
  for (const step of setup.ops) {
    if (step.op === "put" && (setup.maxsize === 0 || count < setup.maxsize)) {
      const item = makeItem(setup.codec, put.length, step.size);
      put.push(item);
      steps.push({ op: "put", item });
      count++;
      unfinished++;
    } else if (step.op === "get" && count > 0) {
      steps.push({ op: "get" });
      count--;
    } else if (step.op === "taskDone" && unfinished > 0) {
      steps.push({ op: "taskDone" });
      unfinished--;
    }
  }
  return steps;
}

function callList(c: Case, put: Item[]): Call[] {
  const next = () => {
    const item = makeItem(c.setup.codec, put.length, c.sizes[put.length % c.sizes.length]);
    put.push(item);
    return item;
  };
  const noWait = { block: false };
  const wait = { timeout: SHORT };
  const make: Record<string, () => Call> = {
    qsize: () => ({ kind: "qsize" }),
    empty: () => ({ kind: "empty" }),
    full: () => ({ kind: "full" }),
    unfinishedTasks: () => ({ kind: "unfinishedTasks" }),
    get: () => ({ kind: "get", options: noWait }),
    getTimeout: () => ({ kind: "get", options: wait }),
    getNowait: () => ({ kind: "getNowait" }),
    getMany: () => ({ kind: "getMany", max: 3, options: noWait }),
    getManyTimeout: () => ({ kind: "getMany", max: 2, options: wait }),
    put: () => ({ kind: "put", item: next(), options: noWait }),
    putTimeout: () => ({ kind: "put", item: next(), options: wait }),
    putNowait: () => ({ kind: "putNowait", item: next() }),
    putMany: () => ({ kind: "putMany", items: c.setup.maxsize === 1 ? [next()] : [next(), next()], options: noWait }),
    putAsync: () => ({ kind: "putAsync", item: next(), options: wait }),
    getAsync: () => ({ kind: "getAsync", options: wait }),
    joinAsync: () => ({ kind: "joinAsync", options: wait }),
    taskDone: () => ({ kind: "taskDone" }),
    task_done: () => ({ kind: "task_done" }),
    join: () => ({ kind: "join", timeout: SHORT }),
    attach: () => ({ kind: "attach" }),
  };
  return [
    ...c.order.map((name) => make[name]()),
    { kind: "shutdown", immediate: c.immediate },
    ...c.drains.map((kind) => ({ kind })),
    { kind: "close" },
  ];
}

// ---- What each call may answer -------------------------------------------------------------

const GETS = new Set(["get", "getNowait", "getMany", "getAsync", "iterate", "iterateAsync", "consume"]);
const PUTS = new Set(["put", "putNowait", "putMany", "putAsync"]);

const isCorrupted = (e: ErrorInfo) => e.name === "Corrupted" && /: the queue's shared memory is corrupted \(.+\)$/.test(e.message);
const isDecodeError = (e: ErrorInfo) => e.name === "Error" && /^structured codec: malformed data at byte \d+/.test(e.message);

/** Why an error is not an acceptable answer of this call, or undefined if it is. */
function badError(kind: string, e: ErrorInfo, codec: Codec): string | undefined {
  if (isCorrupted(e)) return undefined;
  const getting = GETS.has(kind);
  if (getting && (e.name === "ShutDown" || (e.name === "Empty" && !kind.startsWith("iterate") && kind !== "consume"))) return undefined;
  if (getting && codec === "structured" && isDecodeError(e)) return undefined; // damage inside a payload
  if (PUTS.has(kind) && (e.name === "Full" || e.name === "ShutDown")) return undefined;
  // The heap's end may be scribbled up to the memory's ceiling: then no scratch fits.
  if ((PUTS.has(kind) || kind === "attach") && e.name === "RangeError" && /no room for a \d+-byte scratch area/.test(e.message)) return undefined;
  // TASKS_PUT may be scribbled lower or TASKS_DONE higher: taskDone finds none (consume calls taskDone).
  if ((kind === "taskDone" || kind === "task_done" || kind === "consume") && e.name === "RangeError" && /no unfinished task/.test(e.message)) return undefined;
  // attach() checks the magic number, layout version and codec tag itself, and says which is wrong.
  if (kind === "attach" && e.name === "TypeError" && /magic number|layout version|handle\.codec/.test(e.message)) return undefined;
  return `${kind} threw ${e.name}: ${e.message}\n${e.stack ?? ""}`;
}

interface Expect {
  codec: Codec;
  maxsize: number;
  putKeys: Set<string>;
  strict: boolean; // no scribble touched the ring's bytes
}

function show(item: unknown): string {
  if (item instanceof Uint8Array) return `Uint8Array(${item.length}) [${item.subarray(0, 48).join(", ")}${item.length > 48 ? ", ..." : ""}]`;
  try {
    return JSON.stringify(item).slice(0, 200);
  } catch {
    return Object.prototype.toString.call(item);
  }
}

/** Why a returned item is not acceptable, or undefined. */
function badItem(item: unknown, x: Expect): string | undefined {
  if (x.codec === "bytes" && !(item instanceof Uint8Array)) return `a bytes queue returned ${show(item)}`;
  if (holdsCanary(item)) return `an item holds 8 canary bytes: it was read from outside the queue's storage: ${show(item)}`;
  if (x.strict && !x.putKeys.has(itemKey(item) ?? "")) return `with the ring untouched, an item came back that was never put: ${show(item)}`;
  return undefined;
}

/** Why a value is not a well-formed answer of this call, or undefined. */
function badValue(kind: string, value: unknown, x: Expect): string | undefined {
  const list = (items: unknown) => Array.isArray(items) ? items.map((i) => badItem(i, x)).find(Boolean) : `${kind} returned ${String(items)}`;
  switch (kind) {
    case "qsize":
      return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff &&
          (x.maxsize === 0 || value <= x.maxsize) ? undefined : `qsize() returned ${String(value)} (maxsize ${x.maxsize})`;
    case "empty": return typeof value === "boolean" ? undefined : `empty() returned ${String(value)}`;
    case "full": return value === false || (value === true && x.maxsize > 0) ? undefined : `full() returned ${String(value)} (maxsize ${x.maxsize})`;
    case "unfinishedTasks":
      return typeof value === "number" && Number.isInteger(value) && value >= 0 ? undefined : `unfinishedTasks was ${String(value)}`;
    case "join": case "joinAsync": return typeof value === "boolean" ? undefined : `${kind} returned ${String(value)}`;
    case "get": case "getNowait": case "getAsync": return badItem(value, x);
    case "getMany":
      return Array.isArray(value) && value.length >= 1 && value.length <= 3 ? list(value) : `getMany returned ${String(value)}`;
    case "iterate": case "iterateAsync": case "consume": return value === "skipped" ? undefined : list(value);
    case "attach": return value === "attached" ? undefined : `attach returned ${String(value)}`;
    default: return value === undefined ? undefined : `${kind} returned ${String(value)}`;
  }
}

/** Why an outcome breaks the guarantee, or undefined. */
function badOutcome(o: Outcome, x: Expect): string | undefined {
  if (o.hung) return `${o.kind} was still pending after 10 s`;
  if (o.ms > CALL_BOUND_MS) return `${o.kind} took ${o.ms.toFixed(0)} ms`;
  return o.ok ? badValue(o.kind, o.value, x) : badError(o.kind, o.error!, x.codec);
}

// ---- One run ---------------------------------------------------------------------------------

const tally = { runs: 0, calls: 0, strict: 0, grown: 0, wrapped: 0, answers: new Map<string, number>(), errors: new Map<string, number>() };

function count(o: Outcome): void {
  tally.calls++;
  const key = o.ok ? "value" : o.hung ? "hung" : o.error!.name;
  tally.answers.set(key, (tally.answers.get(key) ?? 0) + 1);
  if (!o.ok && !o.hung && o.error!.name !== "Corrupted") {
    const detail = `${o.error!.name} from ${o.kind}: ${o.error!.message.replace(/\d+/g, "N").slice(0, 70)}`;
    tally.errors.set(detail, (tally.errors.get(detail) ?? 0) + 1);
  }
}

/** Builds the case's queue in the victim, scribbles over it, calls everything; throws a
 * description of the first broken guarantee. */
async function runCase(c: Case): Promise<Outcome[]> {
  const put: Item[] = [];
  const steps = setupSteps(c.setup, put);
  const calls = callList(c, put);
  const v = liveVictim();
  const { handle } = await v.request<{ handle: QueueHandle }>("build",
    { codec: c.setup.codec, maxsize: c.setup.maxsize, maxBytes: MAX_BYTES, steps }, RUN_BOUND_MS);
  const mem = memoryOf(handle);
  const s = snapshot(mem);
  fillCanary(mem, s);
  const writes = c.scribbles.map((sc) => resolve(sc, s, mem)).filter((w): w is Write => w !== undefined);
  const ringTouched = scribble(mem, s, writes);
  if (s.cap > 1 << L.INITIAL_RING_CLASS) tally.grown++;
  if (s.head + s.used > s.cap) tally.wrapped++;
  const x: Expect = { codec: c.setup.codec, maxsize: c.setup.maxsize, putKeys: new Set(put.map((i) => itemKey(i)!)), strict: !ringTouched };
  const outcomes: Outcome[] = [];
  let started = -1;
  const describeRun = () =>
    `scribbles: ${writes.map((w) => `${w.what} (@${w.at}) = [${w.bytes.join(", ")}]`).join("; ")}\n` +
    `calls: ${outcomes.map((o) => `${o.kind} -> ${o.ok ? "ok" : o.hung ? "hung" : o.error!.name} (${o.ms.toFixed(1)} ms)`).join(", ")}`;
  let failure: unknown;
  try {
    await v.request("calls", { list: calls }, RUN_BOUND_MS, {
      onOutcome: (o) => outcomes.push(o),
      started: (k) => { started = k; },
    });
  } catch (e) {
    failure = e;
  }
  tally.runs++;
  if (x.strict) tally.strict++;
  outcomes.forEach(count);
  for (const o of outcomes) {
    const why = badOutcome(o, x);
    if (why) throw new Error(`${why}\n${describeRun()}`);
  }
  if (failure) throw new Error(`${(failure as Error).message} (in call ${started}: ${calls[started]?.kind})\n${describeRun()}`);
  return outcomes;
}

// ---- The tests ---------------------------------------------------------------------------------

const env = (name: string) => process.env[name];
const RUNS = Number(env("SCRIBBLE_RUNS") ?? 300);
const LONG = env("SCRIBBLE_RUNS") !== undefined;

describe("scribbled shared memory", () => {
  test("the scribbler aims at every header word of layout.ts", () => {
    const cells = new Set(HEADER_CELLS.map((c) => c.at));
    expect(cells.size).toBe(HEADER_CELLS.length);
    // Every 4 bytes up to HEAP_START are a word the scribbler aims at or reserved (canary):
    // no word left out.
    const wrong: number[] = []; // both a word and reserved, or neither
    for (let at = 0; at < L.HEAP_START; at += 4) {
      if (cells.has(at) === isReserved(at)) wrong.push(at);
    }
    expect(wrong).toEqual([]);
  });

  test("every method answers a well-formed value or a fitting error after random scribbles (property)", async () => {
    const seed = env("SCRIBBLE_SEED") !== undefined ? Number(env("SCRIBBLE_SEED")) : Date.now() ^ (Math.random() * 0x1_0000_0000);
    const path = env("SCRIBBLE_PATH");
    const started = performance.now();
    let details: fc.RunDetails<[Case]>;
    try {
      details = await fc.check(fc.asyncProperty(caseArb, async (c) => {
        await runCase(c);
        if (LONG && tally.runs % 250 === 0) {
          console.log(`scribble: ${tally.runs} runs, ${tally.calls} calls, ${((performance.now() - started) / 1000).toFixed(0)} s`);
        }
      }), { numRuns: RUNS, seed, path, endOnFailure: env("SCRIBBLE_SHRINK") === undefined });
    } finally {
      await victim?.terminate();
    }
    const answers = [...tally.answers].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ");
    console.log(`scribble (${runtime}): ${tally.runs} runs (${tally.strict} with the ring untouched, ` +
      `${tally.grown} with a grown ring, ${tally.wrapped} with records wrapping its end), ` +
      `${tally.calls} calls in ${((performance.now() - started) / 1000).toFixed(1)} s; answers: ${answers}`);
    if (LONG) {
      console.log("errors other than Corrupted:\n" + [...tally.errors].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${n} ${k}`).join("\n"));
    }
    if (details.failed) {
      const command = `SCRIBBLE_SEED=${details.seed} SCRIBBLE_PATH=${details.counterexamplePath} npx vitest run test/scribble_test.ts -t "random scribbles"`;
      throw new Error(`${fc.defaultReportMessage(details)}\n${String((details.errorInstance as Error)?.message ?? details.errorInstance)}\nReproduce with: ${command} (SCRIBBLE_SHRINK=1 to shrink)`);
    }
  }, 600_000);
});


// ---- Regressions: one fixed scribble per bug the property found ---------------------------------

const cellOf = (name: string) => HEADER_CELLS.findIndex((c) => c.name === name);
const EVERY_CALL = { order: [...MIDDLE_CALLS], drains: [...DRAINS], immediate: false, sizes: [40, 3, 100, 7, 64, 1] };
const puts = (...sizes: number[]) => sizes.map((size) => ({ op: "put" as const, size }));

/** Runs one fixed case (every call checked as in the property) and returns its outcomes. */
async function fixedCase(setup: Setup, scribbles: Scribble[]): Promise<Outcome[]> {
  try {
    return await runCase({ setup, scribbles, ...EVERY_CALL });
  } finally {
    await victim?.terminate();
  }
}

function answerOf(outcomes: Outcome[], kind: string): string {
  const o = outcomes.find((o) => o.kind === kind)!;
  return o.ok ? "ok" : `${o.error!.name}: ${o.error!.message}`;
}

describe("scribbled shared memory: regressions", () => {
  test("getMany() throws Corrupted when a record's length in its scratch is rewritten before it is decoded", () => {
    // A custom codec runs between the records of one getMany(): its decode() plays the
    // buggy thread and rewrites the second record's length in the handle's scratch.
    let onDecode = () => {};
    const codec = { name: "scribbling", encode: (v: Uint8Array) => v, decode: (b: Uint8Array) => { onDecode(); return b; } };
    const q = new JoinableQueue<Uint8Array>({ codec, maxBytes: MAX_BYTES });
    try {
      q.put(itemBytes(0, 40));
      q.put(itemBytes(1, 40));
      const mem = memoryOf(q.handle);
      const s = snapshot(mem);
      fillCanary(mem, s);
      const scratch = s.blocks.find((b) => b.at !== s.ring && !b.free)!.at;
      onDecode = () => {
        onDecode = () => {};
        mem.set(le32(0x00ff_ffff), scratch + 48); // the first frame is 8 + 40 bytes
      };
      let got: Uint8Array[] | undefined;
      try {
        got = q.getMany(2, { block: false });
      } catch (e) {
        expect(String(e)).toBe("Corrupted: getMany(): the queue's shared memory is corrupted (this handle's scratch block is damaged)");
      }
      expect(got?.map((item) => `${item.length} bytes${holdsCanary(item) ? " with canary" : ""}`)).toBeUndefined();
    } finally {
      q.close();
    }
  });

  test("put() throws Corrupted when the item limit word was changed, even to a value in range (I7)", async () => {
    const outcomes = await fixedCase({ codec: "bytes", maxsize: 2, ops: puts(10, 20) },
      [{ target: { t: "header", cell: cellOf("MAXSIZE") }, value: { v: "const", x: 0 }, byte: -1 }]);
    expect(answerOf(outcomes, "put")).toBe("Corrupted: put(): the queue's shared memory is corrupted (the item limit word changed)");
    expect(answerOf(outcomes, "qsize")).toMatch(/^Corrupted: .*\(the item limit word changed\)$/);
  }, 60_000);

  test("qsize() throws Corrupted when the memory ceiling word was changed, even to a value in range (I7)", async () => {
    const outcomes = await fixedCase({ codec: "structured", maxsize: 0, ops: puts(10) },
      [{ target: { t: "header", cell: cellOf("MAX_PAGES") }, value: { v: "const", x: 1 }, byte: -1 }]);
    expect(answerOf(outcomes, "qsize")).toMatch(/^Corrupted: .*\(the memory ceiling word is out of range or changed\)$/);
  }, 60_000);

  test("qsize() and get() throw Corrupted when RING points at a scratch block of the ring's own class", async () => {
    // Block 1 is the handle's scratch: a used block of class 14, as the ring is.
    const outcomes = await fixedCase({ codec: "bytes", maxsize: 0, ops: puts(10, 20) },
      [{ target: { t: "header", cell: cellOf("RING") }, value: { v: "pointer", pick: 1, header: false }, byte: -1 }]);
    for (const kind of ["qsize", "get", "put"]) {
      expect(answerOf(outcomes, kind)).toMatch(/^Corrupted: .*\(the ring's address or capacity is out of range or names another block\)$/);
    }
  }, 60_000);

  test("get() throws Corrupted, not an endless loop, when its scratch block's size class was lowered", async () => {
    // Block 1 is the handle's scratch (block 0 is the ring). Class 4 (16 bytes) is too small
    // for the 48-byte record: the core asks for a larger scratch than the handle has.
    const outcomes = await fixedCase({ codec: "bytes", maxsize: 0, ops: puts(40, 50) },
      [{ target: { t: "blockHeader", pick: 1, field: 0 }, value: { v: "const", x: 4 }, byte: -1 }]);
    expect(answerOf(outcomes, "get")).toBe("Corrupted: get(): the queue's shared memory is corrupted (this handle's scratch block is damaged)");
  }, 60_000);
});

// ---- Scribbles while the calls run -------------------------------------------------------------

/** A value the toggling thread writes: never the canary (see the top). */
const noCanary = (x: number) => le32(x).map((b) => (b === CANARY ? CANARY - 1 : b)).reduceRight((a, b) => ((a << 8) | b) >>> 0, 0);

describe("scribbled shared memory: damage inside a payload", () => {
  test("get() throws the structured codec's malformed-data Error for a payload scribbled into nesting deeper than the stack", () => {
    const q = new JoinableQueue<unknown>({ maxBytes: MAX_BYTES });
    try {
      q.put("x".repeat(600_000)); // encoded: version, tag, 3-byte length, text = 600 005 bytes
      const mem = memoryOf(q.handle);
      const s = snapshot(mem);
      const { at, len } = s.frames[0];
      expect(len).toBe(600_005);
      // [[[...[1]...]]]: 200 001 dense arrays of one element, then their 200 001 ends
      const levels = (len - 2) / 3;
      const deep = new Uint8Array(len);
      deep[0] = 1;
      for (let i = 0; i < levels; i++) deep.set([0x0f, 1], 1 + 2 * i);
      deep[1 + 2 * levels] = 0x81; // the innermost value; the zeros after it end each array
      mem.set(deep, s.ring + at + L.FRAME_HEADER);
      let error: unknown;
      try {
        q.get({ block: false });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Error);
      expect(`${(error as Error).name}: ${(error as Error).message}`).toMatch(
        /^Error: structured codec: malformed data at byte \d+ \(nested deeper than this thread's stack allows\)$/);
    } finally {
      q.close();
    }
  });
});

describe("scribbled shared memory: a lock held forever", () => {
  test("every method that takes the lock throws Corrupted once the lock word has stayed 1 for LOCK_STUCK_MS (2 s)", async () => {
    // Each call waits out the 2 s, so the calls are shared among six victims. (Bounded,
    // so that full() reads the memory: on an unbounded queue it answers false unread.)
    const q = new JoinableQueue<Uint8Array>({ codec: "bytes", maxsize: 5 });
    const first = itemBytes(0, 10);
    const put: Item[] = [first];
    q.put(first);
    const setup: Setup = { codec: "bytes", maxsize: 5, ops: [] };
    const list = callList({ setup, scribbles: [], ...EVERY_CALL }, put).filter((c) => c.kind !== "close");
    const victims = Array.from({ length: 6 }, () => new Victim());
    const i32 = new Int32Array(q.handle.memory.buffer);
    const outcomes: Outcome[] = [];
    try {
      await Promise.all(victims.map((v) => v.request("attach", { handle: q.handle }, RUN_BOUND_MS)));
      Atomics.store(i32, L.LOCK >> 2, 1); // held, and no thread will ever release it
      await Promise.all(victims.map((v, i) => v.request("calls", {
        list: [...list.filter((_, k) => k % victims.length === i), { kind: "close" }],
      }, 60_000, { onOutcome: (o) => outcomes.push(o) })));
    } finally {
      await Promise.all(victims.map((v) => v.terminate()));
      Atomics.store(i32, L.LOCK >> 2, 0);
      q.close();
    }
    const x: Expect = { codec: "bytes", maxsize: 5, putKeys: new Set(), strict: false };
    expect(outcomes.length).toBe(list.length + victims.length);
    for (const o of outcomes) {
      expect(badOutcome(o, x)).toBeUndefined();
      if (DRAINS.includes(o.kind)) {
        expect(o.value).toBe("skipped"); // the shutdown failed: nothing to drain
      } else if (o.kind === "close") {
        expect(o.ok).toBe(true); // close() gives up on the scratch and closes regardless
      } else if (o.kind === "taskDone" || o.kind === "task_done") {
        // taskDone() takes no lock (assembly/queue.ts, "Tasks"): it counts the one task put,
        // or finds none left, at once.
        expect(o.ms).toBeLessThan(1900);
        if (!o.ok) expect(`${o.error?.name}: ${o.error?.message}`).toMatch(/^RangeError: .*no unfinished task/);
      } else {
        expect(`${o.kind}: ${o.error?.name}: ${o.error?.message}`).toMatch(
          /^\w+: Corrupted: .*shared memory is corrupted \(the lock has been held for more than 2000 ms; a thread scribbled over the memory\)$/);
        expect(o.ms).toBeGreaterThanOrEqual(1900);
      }
    }
  }, 120_000);
});

describe("scribbled shared memory, while the calls run", () => {
  const TOGGLE_MS = 500 * Math.max(1, RUNS / 300); // per word; SCRIBBLE_RUNS scales it too
  /** What the buggy thread keeps rewriting: a word the core checks, then uses. */
  const targets: { what: string; at: (s: Snapshot) => number }[] = [
    ...["RING", "RING_CAP", "HEAD", "USED", "COUNT", "HEAP_TOP", "FREE_MAP"].map((name) => ({ what: name, at: () => L[name] })),
    { what: "the scratch block's class", at: (s) => s.blocks.find((b) => b.at !== s.ring && !b.free)!.at - L.BLOCK_HEADER },
    { what: "the ring block's class", at: (s) => s.ring - L.BLOCK_HEADER },
    { what: "the oldest frame's len", at: (s) => s.ring + s.head },
  ];

  test("a thread rewriting the ring's words, a block's class or a frame's length never makes a call trap, hang or read outside the queue", async () => {
    const scribbler = new Victim(); // runs the "toggle" op: the buggy thread
    let calls = 0;
    try {
      for (const target of targets) {
        const put: Item[] = [];
        const setup: Setup = { codec: "bytes", maxsize: 0, ops: puts(30, 3000, 7, 12_000, 60) };
        const steps = setupSteps(setup, put);
        const list = callList({ setup, scribbles: [], ...EVERY_CALL }, put).slice(0, MIDDLE_CALLS.length);
        const v = liveVictim();
        const { handle } = await v.request<{ handle: QueueHandle }>("build", { ...setup, maxBytes: MAX_BYTES, steps }, RUN_BOUND_MS);
        const mem = memoryOf(handle);
        const s = snapshot(mem);
        fillCanary(mem, s);
        const at = target.at(s);
        const good = u32(mem, at);
        const values = [0xffff_ff00, good, 0, good, good ^ 0x8000_0000, good, good + 8, good].map(noCanary);
        const x: Expect = { codec: "bytes", maxsize: 0, putKeys: new Set(), strict: false };
        const outcomes: Outcome[] = [];
        await Promise.all([
          v.request("hammer", { list, ms: TOGGLE_MS }, RUN_BOUND_MS, { onOutcome: (o) => outcomes.push(o) }),
          scribbler.request("toggle", { memory: handle.memory, at, values, ms: TOGGLE_MS }, RUN_BOUND_MS),
        ]);
        for (const o of outcomes) {
          const why = badOutcome(o, x);
          if (why) throw new Error(`while a thread rewrote ${target.what} (@${at}): ${why}`);
        }
        expect(outcomes.length).toBeGreaterThan(0);
        calls += outcomes.length;
      }
    } finally {
      await scribbler.terminate();
      await victim?.terminate();
    }
    console.log(`scribble while calling (${runtime}): ${targets.length} words rewritten for ${TOGGLE_MS} ms each, ${calls} calls`);
  }, 120_000);

  test("a blocked get() or getAsync() still wakes for an item when a thread zeroed the waiter count", async () => {
    for (const kind of ["get", "getAsync"]) {
      const q = new JoinableQueue<Uint8Array>({ codec: "bytes" });
      const v = new Victim();
      try {
        await v.request("attach", { handle: q.handle }, RUN_BOUND_MS);
        const i32 = new Int32Array(q.handle.memory.buffer);
        const outcomes: Outcome[] = [];
        const done = v.request("calls", { list: [{ kind, options: {} }] }, 20_000, { onOutcome: (o) => outcomes.push(o) });
        const until = performance.now() + 10_000;
        while (Atomics.load(i32, L.GET_WAITERS >> 2) === 0 && performance.now() < until) await sleep(5);
        expect(Atomics.load(i32, L.GET_WAITERS >> 2)).toBe(1);
        await sleep(100); // asleep on the epoch word by now
        Atomics.store(i32, L.GET_WAITERS >> 2, 0); // the scribble: "nobody waits", so no notify
        const item = itemBytes(7, 20);
        q.put(item);
        await done;
        expect(outcomes[0]).toMatchObject({ kind, ok: true, value: item });
        expect(outcomes[0].ms).toBeLessThan(100 + 5_000);
      } finally {
        await v.terminate();
        q.close();
      }
    }
  }, 60_000);
});

describe("scribbled shared memory: words any value of which looks valid (the seal, I8)", () => {
  // Each of these writes leaves every structural check satisfied: only the seal over the
  // words the lock guards can tell the write from a real change.
  const cases: Array<[string, (words: Uint32Array) => void]> = [
    ["the count of tasks put, to another plausible count", (w) => { w[L.TASKS_PUT / 4] += 1; }],
    ["the shutdown flag, set", (w) => { w[L.STATE / 4] = 1; }],
    ["the taken counter", (w) => { w[L.TAKEN / 4] += 3; }],
    ["the ring's generation", (w) => { w[L.RING_GEN / 4] += 1; }],
    ["the free-class bitmap", (w) => { w[L.FREE_MAP / 4] ^= 1 << 20; }],
    ["the seal itself", (w) => { w[L.SEAL / 4] ^= 0x100; }],
  ];
  for (const [name, write] of cases) {
    test(`${name}: every later call throws Corrupted naming the seal, and the damage is never blessed`, () => {
      const q = new JoinableQueue<number>({ codec: "json", maxsize: 10 });
      q.putMany([1, 2, 3]);
      q.get();
      write(new Uint32Array(q.handle.memory.buffer, 0, 64));
      const sealBroken = /corrupted \(a word only the lock holder may write changed without the lock/;
      for (const call of [() => q.qsize(), () => q.unfinishedTasks, () => q.get({ block: false }), () => q.put(4), () => q.qsize()]) {
        expect(call).toThrow(sealBroken);
      }
      // taskDone() takes no lock and reads no sealed word but TASKS_PUT, and that only when
      // its own copy says no task is left ("Tasks" in assembly/queue.ts): it counts the task
      // the get() above took, and blesses nothing.
      q.taskDone();
      expect(() => q.qsize()).toThrow(sealBroken);
      expect(() => q.join(0)).toThrow(sealBroken);
      q.close();
    });
  }
});

describe("scribbled shared memory: the count of tasks done (coded, not sealed)", () => {
  // TASKS_DONE is written without the lock, so the seal cannot cover it; it holds the count
  // times an odd factor (assembly/queue.ts, "Tasks"), and a word that does not decode to a
  // small count is damage.
  const damaged = /corrupted \(the count of tasks done is damaged/;
  const cases: Array<[string, (w: Uint32Array) => void]> = [
    ["1 added to its low half", (w) => { w[L.TASKS_DONE / 4] += 1; }],
    ["1 taken from its low half", (w) => { w[L.TASKS_DONE / 4] -= 1; }],
    ["1 added to its high half", (w) => { w[L.TASKS_DONE / 4 + 1] += 1; }],
    ["a bit flipped", (w) => { w[L.TASKS_DONE / 4] ^= 1 << 17; }],
    ["zeroed", (w) => { w[L.TASKS_DONE / 4] = 0; w[L.TASKS_DONE / 4 + 1] = 0; }],
  ];
  for (const [name, write] of cases) {
    test(`${name}: taskDone(), unfinishedTasks and join() throw Corrupted naming it`, () => {
      const q = new JoinableQueue<number>({ codec: "json" });
      q.putMany([1, 2, 3]);
      q.get();
      q.taskDone(); // one done: zeroing the word is damage too
      write(new Uint32Array(q.handle.memory.buffer, 0, L.HEAP_START / 4));
      for (const call of [() => q.taskDone(), () => q.unfinishedTasks, () => q.join(0), () => q.taskDone()]) {
        expect(call).toThrow(damaged);
      }
      q.close();
    });
  }

  test("a coded count above the tasks ever put: unfinishedTasks and join() throw Corrupted, taskDone() finds no task", () => {
    const q = new JoinableQueue<number>({ codec: "json" });
    q.putMany([1, 2, 3]);
    const core = new WebAssembly.Instance(coreModule(), { env: { memory: q.handle.memory } }).exports;
    const factor = BigInt.asUintN(64, (core.DONE_FACTOR as WebAssembly.Global).value);
    new BigUint64Array(q.handle.memory.buffer, L.TASKS_DONE, 1)[0] = BigInt.asUintN(64, (5n + 1n) * factor); // 5 done, of 3
    expect(() => q.unfinishedTasks).toThrow(damaged);
    expect(() => q.join(0)).toThrow(damaged);
    expect(() => q.taskDone()).toThrow(RangeError);
    q.close();
  });
});
