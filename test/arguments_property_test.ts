// Any value as any argument: fast-check feeds arbitrary values (and arbitrary option objects)
// to every method that takes arguments, and checks each call against an oracle written from
// SPEC's rules, not from the code: an invalid argument throws TypeError (wrong type) or
// RangeError (number out of range) whose message names it and shows the value received,
// and the queue is unchanged; valid arguments succeed (the queue is set up so that no valid
// call has to wait). The table tests in errors_test.ts pin the exact messages.
import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { JoinableQueue } from "joinable-queue";

type Verdict = { ok: true } | { ok: false; argument: string; error: typeof TypeError | typeof RangeError };

const RUNS = Number(globalThis.process?.env?.ARGUMENT_RUNS ?? 150);
let tried = 0;

/** Values of every kind, with the numbers that sit on the edges of the rules. */
const anyValue = fc.oneof(
  fc.anything({ withBigInt: true, withBoxedValues: true, withMap: true, withSet: true, withTypedArray: true }),
  fc.constantFrom(NaN, -0, 0, -1, 0.5, 1, 2 ** 32, -Infinity, Infinity, Number.MAX_VALUE, Number.MIN_VALUE, null, undefined, true, "1"),
  fc.double(),
  fc.integer(),
);

/** An options argument: often an object with the method's keys holding any values. */
function optionsValue(keys: string[]) {
  return fc.oneof(
    anyValue,
    fc.record(Object.fromEntries(keys.map((k) => [k, anyValue])), { requiredKeys: [] }),
  );
}

const isObject = (v: unknown) => v !== null && typeof v === "object";

function timeoutVerdict(argument: string, t: unknown): Verdict {
  if (t === undefined) return { ok: true };
  if (typeof t !== "number") return { ok: false, argument, error: TypeError };
  if (Number.isNaN(t) || t < 0) return { ok: false, argument, error: RangeError };
  return { ok: true };
}

function first(...verdicts: Verdict[]): Verdict[] {
  const bad = verdicts.filter((v) => !v.ok);
  return bad.length > 0 ? bad : [{ ok: true }];
}

function blockingVerdicts(options: unknown): Verdict[] {
  if (options === undefined) return [{ ok: true }];
  if (!isObject(options)) return [{ ok: false, argument: "options", error: TypeError }];
  const { block, timeout } = options as Record<string, unknown>;
  return first(
    block === undefined || typeof block === "boolean" ? { ok: true } : { ok: false, argument: "options.block", error: TypeError },
    timeoutVerdict("options.timeout", timeout),
  );
}

function asyncVerdicts(options: unknown): Verdict[] {
  if (options === undefined) return [{ ok: true }];
  if (!isObject(options)) return [{ ok: false, argument: "options", error: TypeError }];
  const { signal, timeout } = options as Record<string, unknown>;
  return first(
    signal === undefined || signal instanceof AbortSignal ? { ok: true } : { ok: false, argument: "options.signal", error: TypeError },
    timeoutVerdict("options.timeout", timeout),
  );
}

function maxVerdict(max: unknown): Verdict {
  if (typeof max !== "number") return { ok: false, argument: "max", error: TypeError };
  return Number.isInteger(max) && max >= 1 ? { ok: true } : { ok: false, argument: "max", error: RangeError };
}

/** Runs `call` on a queue with one item queued and room for more, and checks the oracle. */
async function check(verdicts: Verdict[], call: (q: JoinableQueue<number>) => unknown): Promise<void> {
  tried++;
  const q = new JoinableQueue<number>({ maxsize: 4, codec: "json" });
  q.put(7);
  let error: unknown;
  try {
    await call(q);
  } catch (e) {
    error = e;
  }
  try {
    if (verdicts[0].ok) {
      expect(error).toBeUndefined();
      return;
    }
    expect(error).toBeInstanceOf(Error);
    const e = error as Error;
    const named = verdicts.find((v) => !v.ok && e.message.includes(v.argument) && e instanceof v.error);
    if (!named) {
      const wanted = verdicts.map((v) => !v.ok && `${v.error.name} naming ${v.argument}`).join(" or ");
      throw new Error(`got ${e.name}: ${e.message}\nexpected ${wanted}`);
    }
    expect(e.message).toContain("received");
    expect(q.qsize()).toBe(1);
    expect(q.unfinishedTasks).toBe(1);
    expect(q.get({ block: false })).toBe(7);
  } finally {
    q.close();
  }
}

const property = <A,>(arb: fc.Arbitrary<A>, body: (v: A) => Promise<void>) =>
  fc.assert(fc.asyncProperty(arb, body), { numRuns: RUNS });

describe("any value as any argument (property, oracle from SPEC)", () => {
  test("put(item, options)", () => property(optionsValue(["block", "timeout"]), async (o) => {
    await check(blockingVerdicts(o), (q) => q.put(1, o as never));
  }));

  test("get(options)", () => property(optionsValue(["block", "timeout"]), async (o) => {
    await check(blockingVerdicts(o), (q) => q.get(o as never));
  }));

  test("putMany(items, options)", () => property(optionsValue(["block", "timeout"]), async (o) => {
    await check(blockingVerdicts(o), (q) => q.putMany([1, 2], o as never));
  }));

  test("getMany(max, options)", () => property(fc.tuple(anyValue, optionsValue(["block", "timeout"])), async ([max, o]) => {
    await check(first(maxVerdict(max), ...blockingVerdicts(o)), (q) => q.getMany(max as number, o as never));
  }));

  test("join(timeout)", () => property(anyValue, async (t) => {
    // One task is unfinished, so a valid join must not wait: the timeout is what is checked,
    // then the task is finished in the same call.
    await check([timeoutVerdict("timeout", t)], (q) => {
      if (timeoutVerdict("timeout", t).ok) {
        q.get();
        q.taskDone();
      }
      return q.join(t as number);
    });
  }));

  test("putAsync(item, options)", () => property(optionsValue(["timeout", "signal"]), async (o) => {
    await check(asyncVerdicts(o), (q) => q.putAsync(1, o as never));
  }));

  test("getAsync(options)", () => property(optionsValue(["timeout", "signal"]), async (o) => {
    await check(asyncVerdicts(o), (q) => q.getAsync(o as never));
  }));

  test("joinAsync(options)", () => property(optionsValue(["timeout", "signal"]), async (o) => {
    await check(asyncVerdicts(o), async (q) => {
      if (asyncVerdicts(o)[0].ok) {
        q.get();
        q.taskDone();
      }
      return q.joinAsync(o as never);
    });
  }));

  test("shutdown(immediate)", () => property(anyValue, async (immediate) => {
    const ok = immediate === undefined || typeof immediate === "boolean";
    await check([ok ? { ok: true } : { ok: false, argument: "immediate", error: TypeError }], (q) => q.shutdown(immediate as boolean));
  }));

  test("new JoinableQueue(maxsize) and new JoinableQueue({ maxsize, maxBytes })", () => property(
    fc.tuple(anyValue, anyValue, fc.boolean()),
    async ([maxsize, maxBytes, asOptions]) => {
      if (!asOptions && isObject(maxsize)) return; // an object is the options form, covered below
      tried++;
      const verdicts: Verdict[] = [];
      const sizeArgument = asOptions ? "options.maxsize" : "maxsize";
      if (maxsize !== undefined) {
        if (typeof maxsize !== "number") verdicts.push({ ok: false, argument: sizeArgument, error: TypeError });
        else if (!Number.isInteger(maxsize) || maxsize > 0xffff_ffff) verdicts.push({ ok: false, argument: sizeArgument, error: RangeError });
      }
      if (asOptions && maxBytes !== undefined) {
        if (typeof maxBytes !== "number") verdicts.push({ ok: false, argument: "options.maxBytes", error: TypeError });
        else if (!Number.isInteger(maxBytes) || maxBytes < 65536 || maxBytes > 4294901760) {
          verdicts.push({ ok: false, argument: "options.maxBytes", error: RangeError });
        }
      }
      let error: Error | undefined;
      try {
        (asOptions ? new JoinableQueue({ maxsize: maxsize as number, maxBytes: maxBytes as number }) : new JoinableQueue(maxsize as number)).close();
      } catch (e) {
        error = e as Error;
      }
      if (verdicts.length === 0) {
        expect(error).toBeUndefined();
      } else {
        expect(error).toBeInstanceOf(Error);
        const named = verdicts.find((v) => !v.ok && error!.message.includes(v.argument) && error instanceof v.error);
        if (!named) throw new Error(`got ${error?.name}: ${error?.message}\nexpected ${verdicts.map((v) => !v.ok && v.argument).join(" or ")}`);
      }
    },
  ));

  test("the properties tried every case they meant to", () => {
    // Guards against a property that silently stopped generating (the figure the README quotes).
    expect(tried).toBeGreaterThanOrEqual(9 * RUNS);
    console.log(`arguments property: ${tried} calls with generated arguments (ARGUMENT_RUNS=${RUNS} per method)`);
  });
});
