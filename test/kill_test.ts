// Kill safety, the short version of `npm run torture` (the same engine, test/torture/):
//  - what worker.terminate() does in this runtime, probed, against the facts recorded in
//    test/torture/terminate_facts.mjs (and the README);
//  - the compiled core holds its lock only in regions with no call and no loop;
//  - the torture itself, 24 kills per kind of worker: workers terminated at random moments
//    and in the middle of large puts and batch calls never leave the queue locked or
//    corrupted, and the books balance (see test/torture/engine.mjs);
//  - the torture's checks do catch a lock left held, a double delivery, a torn item and a
//    lost one, injected on purpose.
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { coreModule } from "joinable-queue";
import { runtime, workerKinds } from "./harness.ts";
import { describeSummary, torture } from "./torture/engine.mjs";
import { doneRegion, lockRegions } from "./torture/lock_regions.mjs";
import { probeSplits, probeState, STATES } from "./torture/terminate_probe.mjs";
import { terminateFacts } from "./torture/terminate_facts.mjs";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";

const LONG = 300_000;
const KILLS = 24;

function randomFrom(seed: number): () => number {
  const rng = xoroshiro128plus(seed);
  return () => uniformFloat64(rng);
}

for (const kind of workerKinds) {
  const facts = terminateFacts(runtime, kind);
  // Where no kill lands inside a call (Deno), each round waits out the probe's bound: fewer.
  const rounds = facts.killsOnlyOnEventLoop ? 3 : 8;

  describe(`terminate() in ${runtime} (${kind})`, () => {
    for (const state of STATES) {
      test(`a worker in state "${state}" is ${facts.states[state]}`, async () => {
        const seen = await probeState(kind, state);
        expect(seen.verdict).toBe(facts.states[state]);
        // Deno's node:worker_threads says 'exit' at once, though the worker runs on.
        if (facts.exitEventBeforeStop && seen.verdict === "deferred") expect(seen.exitMs).not.toBeNull();
      }, LONG);
    }

    test("a kill never lands inside a WebAssembly call with no loop and no call (the core's locked sections)", async () => {
      const seed = Math.floor(Math.random() * 2 ** 31);
      const seen = await probeSplits(kind, "critical", rounds, randomFrom(seed));
      expect({ seed, splits: seen.splits }).toEqual({ seed, splits: 0 });
      // Where terminate() can stop a worker between calls at all, the probe did stop it.
      expect(seen.stoppedInCall).toBe(facts.killsOnlyOnEventLoop ? 0 : rounds);
    }, LONG);

    test(`the control: a kill inside a WebAssembly loop ${facts.loopy.startsWith("yes") ? "does land" : "does not land"} here`, async () => {
      const seed = Math.floor(Math.random() * 2 ** 31);
      const seen = await probeSplits(kind, "loopy", rounds, randomFrom(seed));
      if (facts.loopy.startsWith("yes")) expect(seen.splits).toBeGreaterThan(0);
      else expect(seen.splits).toBe(0);
      expect(seen.stoppedInCall).toBe(facts.killsOnlyOnEventLoop ? 0 : rounds);
    }, LONG);
  });

  describe(`kill safety (${kind})`, () => {
    test(`${KILLS} workers terminated at random moments, mid large put and mid batch: the queue stays usable and the books balance`, async () => {
      const seed = Math.floor(Math.random() * 2 ** 31);
      const summary = await torture({ kills: KILLS, seed, kinds: [kind], killsPerQueue: 8 });
      if (summary.failures.length > 0) {
        throw new Error(`kill torture failed (${runtime}, ${kind}, seed ${seed}; repeat with KILLS=${KILLS} TORTURE_SEED=${seed} TORTURE_KINDS=${kind} npm run torture -- ${runtime}):\n${describeSummary(summary).join("\n")}`);
      }
      expect(summary.kills).toBe(KILLS);
      expect(summary.killed.producer).toBeGreaterThan(0);
      expect(summary.killed.consumer).toBeGreaterThan(0);
      expect(summary.items).toBeGreaterThan(0);
    }, LONG);
  });
}

describe("the torture's checks catch the faults they look for", () => {
  const faults: [fault: string, roles: string[], message: RegExp][] = [
    ["lock", ["producer", "consumer"], /the queue is locked or corrupted after kill 1 .*Corrupted: .*lock has been held/],
    ["duplicate", ["producer", "consumer"], /item \d+:\d+ was got twice/],
    ["torn", ["producer", "consumer"], /\d+ items torn or mixed up, first: item 0:\d+ .* differs from what was put/],
    // Only producers die here, so no killed consumer can account for a missing item.
    ["drop", ["producer"], /1 items whose put returned were never got .*killed consumers could hold at most 0/],
  ];
  for (const [fault, roles, message] of faults) {
    test(`${fault}`, async () => {
      const seed = Math.floor(Math.random() * 2 ** 31);
      const summary = await torture({ kills: 3, seed, kinds: ["worker_threads"], fault, roles });
      expect(summary.failures.length).toBeGreaterThan(0);
      expect(summary.failures[0]).toMatch(message);
    }, LONG);
  }
});

describe("the compiled core", () => {
  const wat = readFileSync(new URL("../build/core.wat", import.meta.url), "utf8");
  const lockGlobal = new WebAssembly.Instance(coreModule(), {
    env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 65535, shared: true }) },
  }).exports.LOCK as WebAssembly.Global;
  const lock = Number(lockGlobal.value);
  const tasksDone = Number(readFileSync(new URL("../assembly/layout.ts", import.meta.url), "utf8")
    .match(/export const TASKS_DONE: u32 = (\d+);/)?.[1]);

  test("holds the lock only in regions with no call, no loop, no branch back and no return (no point where a kill can land)", () => {
    const regions = lockRegions(wat, lock);
    const names = regions.map((r: { func: string }) => r.func.replace("$assembly/queue/", "")).sort();
    expect(names).toEqual(["allocScratch", "drop", "freeScratch", "isShutDown", "peek", "put", "putBatch", "qsize", "shutdown", "take", "unfinishedTasks"]);
    expect(regions.flatMap((r: { func: string; problems: string[] }) => r.problems.map((p) => `${r.func}: ${p}`))).toEqual([]);
  });

  test("taskDone(), which takes no lock, has no such point from counting the task to waking the joiners", () => {
    const region = doneRegion(wat, tasksDone);
    expect(region.from).toBeGreaterThan(0);
    expect(region.problems).toEqual([]);
  });

  test("the taskDone check sees a loop, a call or a return put after the count", () => {
    const start = wat.indexOf("\n (func $assembly/queue/taskDone");
    const notify = wat.indexOf("memory.atomic.notify", start);
    expect(notify).toBeGreaterThan(start);
    const inject = (code: string) => wat.slice(0, notify) + code + "\n    " + wat.slice(notify);
    expect(doneRegion(inject("loop $injected\n    end"), tasksDone).problems).toEqual([expect.stringMatching(/loop \$injected/)]);
    expect(doneRegion(inject("call $assembly/queue/problem\n    drop"), tasksDone).problems).toEqual([expect.stringMatching(/call/)]);
    expect(doneRegion(inject("i32.const 0\n    return"), tasksDone).problems).toEqual([expect.stringMatching(/return before the end/)]);
  });

  test("the region check sees a loop, a call, a branch back or a return put inside a locked region", () => {
    // Code inserted just before qsize's last release (the store of 0 into LOCK).
    const start = wat.indexOf("\n (func $assembly/queue/qsize");
    const release = wat.lastIndexOf(`i32.const ${lock}\n`, wat.indexOf("\n (func", start + 1));
    expect(release).toBeGreaterThan(start);
    const inject = (code: string) => wat.slice(0, release) + code + "\n" + wat.slice(release);
    const problemsIn = (text: string) => lockRegions(text, lock)
      .filter((r: { func: string }) => r.func === "$assembly/queue/qsize")
      .flatMap((r: { problems: string[] }) => r.problems);
    expect(problemsIn(inject("loop $injected\n  end"))).toEqual([expect.stringMatching(/loop \$injected/)]);
    expect(problemsIn(inject("call $assembly/queue/problem\n  drop"))).toEqual([expect.stringMatching(/call \$assembly\/queue\/problem/)]);
    expect(problemsIn(inject("block $out\n  loop $again\n  br $again\n  end\n  end"))).toHaveLength(2);
    expect(problemsIn(inject("i32.const 0\n  return"))).toEqual([expect.stringMatching(/return with the lock held/)]);
  });
});
