// Model-based test: random sequences of calls on one thread, checked step by step against
// a plain JavaScript model of Python's JoinableQueue (an array and two counters). Random
// item sizes make the ring wrap, grow and move, so framing and growth are exercised too.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { Empty, Full, JoinableQueue, ShutDown } from "joinable-queue";

interface Model {
  items: number[]; // ids of queued items, oldest first
  sizes: Map<number, number>;
  unfinished: number;
  shutDown: boolean;
  maxsize: number;
  nextId: number;
}

type Real = JoinableQueue<Uint8Array>;

function item(id: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size - 4; i += 251) bytes[i] = (id + i) & 255;
  if (size >= 4) new DataView(bytes.buffer).setUint32(size - 4, id);
  return bytes;
}

function checkItem(got: Uint8Array, id: number, size: number): void {
  expect(got.length).toBe(size);
  for (let i = 0; i < size - 4; i += 251) if (got[i] !== ((id + i) & 255)) throw new Error(`item ${id} damaged at byte ${i}`);
  if (size >= 4) expect(new DataView(got.buffer, got.byteOffset).getUint32(size - 4)).toBe(id);
}

function outcome(call: () => void): Error | undefined {
  try {
    call();
  } catch (e) {
    return e as Error;
  }
  return undefined;
}

const size = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 64 }) },
  { weight: 3, arbitrary: fc.integer({ min: 65, max: 20_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: 20_001, max: 300_000 }) },
);

class Put implements fc.Command<Model, Real> {
  constructor(readonly size: number) {}
  check = () => true;
  run(m: Model, q: Real): void {
    const id = m.nextId++;
    const e = outcome(() => q.putNowait(item(id, this.size)));
    if (m.shutDown) return void expect(e).toBeInstanceOf(ShutDown);
    if (m.maxsize > 0 && m.items.length >= m.maxsize) return void expect(e).toBeInstanceOf(Full);
    expect(e).toBeUndefined();
    m.items.push(id);
    m.sizes.set(id, this.size);
    m.unfinished++;
  }
  toString = () => `put(${this.size} B)`;
}

class PutMany implements fc.Command<Model, Real> {
  constructor(readonly sizes: number[]) {}
  check = () => true;
  run(m: Model, q: Real): void {
    const ids = this.sizes.map(() => m.nextId++);
    const e = outcome(() => q.putMany(ids.map((id, i) => item(id, this.sizes[i])), { block: false }));
    if (m.maxsize > 0 && ids.length > m.maxsize) return void expect(e).toBeInstanceOf(RangeError);
    if (ids.length === 0) return void expect(e).toBeUndefined();
    if (m.shutDown) return void expect(e).toBeInstanceOf(ShutDown);
    if (m.maxsize > 0 && m.items.length + ids.length > m.maxsize) return void expect(e).toBeInstanceOf(Full);
    expect(e).toBeUndefined();
    ids.forEach((id, i) => { m.items.push(id); m.sizes.set(id, this.sizes[i]); });
    m.unfinished += ids.length;
  }
  toString = () => `putMany([${this.sizes.join(", ")}])`;
}

class Get implements fc.Command<Model, Real> {
  check = () => true;
  run(m: Model, q: Real): void {
    let got: Uint8Array | undefined;
    const e = outcome(() => { got = q.getNowait(); });
    if (m.items.length === 0) return void expect(e).toBeInstanceOf(m.shutDown ? ShutDown : Empty);
    expect(e).toBeUndefined();
    const id = m.items.shift()!;
    checkItem(got!, id, m.sizes.get(id)!);
  }
  toString = () => "get()";
}

class GetMany implements fc.Command<Model, Real> {
  constructor(readonly max: number) {}
  check = () => true;
  run(m: Model, q: Real): void {
    let got: Uint8Array[] = [];
    const e = outcome(() => { got = q.getMany(this.max, { block: false }); });
    if (m.items.length === 0) return void expect(e).toBeInstanceOf(m.shutDown ? ShutDown : Empty);
    expect(e).toBeUndefined();
    expect(got.length).toBeGreaterThanOrEqual(1);
    expect(got.length).toBeLessThanOrEqual(Math.min(this.max, m.items.length));
    for (const bytes of got) {
      const id = m.items.shift()!;
      checkItem(bytes, id, m.sizes.get(id)!);
    }
  }
  toString = () => `getMany(${this.max})`;
}

class TaskDone implements fc.Command<Model, Real> {
  check = () => true;
  run(m: Model, q: Real): void {
    const e = outcome(() => q.taskDone());
    if (m.unfinished === 0) return void expect(e).toBeInstanceOf(RangeError);
    expect(e).toBeUndefined();
    m.unfinished--;
  }
  toString = () => "taskDone()";
}

class Shutdown implements fc.Command<Model, Real> {
  constructor(readonly immediate: boolean) {}
  check = (m: Readonly<Model>) => !m.shutDown || this.immediate;
  run(m: Model, q: Real): void {
    q.shutdown(this.immediate);
    m.shutDown = true;
    if (this.immediate) {
      m.unfinished -= Math.min(m.unfinished, m.items.length);
      m.items = [];
    }
  }
  toString = () => `shutdown(${this.immediate})`;
}

class Observe implements fc.Command<Model, Real> {
  check = () => true;
  run(m: Model, q: Real): void {
    expect(q.qsize()).toBe(m.items.length);
    expect(q.unfinishedTasks).toBe(m.unfinished);
    expect(q.empty()).toBe(m.items.length === 0);
    expect(q.full()).toBe(m.maxsize > 0 && m.items.length >= m.maxsize);
    expect(q.join(0)).toBe(m.unfinished === 0);
  }
  toString = () => "observe";
}

const commands = [
  { weight: 6, arbitrary: size.map((s) => new Put(s)) },
  { weight: 2, arbitrary: fc.array(size, { maxLength: 12 }).map((s) => new PutMany(s)) },
  { weight: 5, arbitrary: fc.constant(new Get()) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 20 }).map((n) => new GetMany(n)) },
  { weight: 4, arbitrary: fc.constant(new TaskDone()) },
  { weight: 2, arbitrary: fc.constant(new Observe()) },
  { weight: 1, arbitrary: fc.boolean().map((b) => new Shutdown(b)) },
].flatMap(({ weight, arbitrary }) =>
  Array.from({ length: weight }, () => arbitrary as fc.Arbitrary<fc.Command<Model, Real>>)); // weight by repetition

describe("JoinableQueue against a model", () => {
  test("random call sequences match Python's semantics (bounded and unbounded, with growth)", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 12 })),
        fc.commands(commands, { maxCommands: 120 }),
        (maxsize, cmds) => {
          const q = new JoinableQueue<Uint8Array>({ codec: "bytes", maxsize, maxBytes: 64 << 20 });
          const model: Model = { items: [], sizes: new Map(), unfinished: 0, shutDown: false, maxsize, nextId: 0 };
          try {
            fc.modelRun(() => ({ model, real: q }), cmds);
            new Observe().run(model, q);
          } finally {
            q.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
