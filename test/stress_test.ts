// Exactly once, in order, under load: the short run of the stress test (test/stress/) in
// every runtime. 20,000 items (STRESS=1) through three producer and three consumer
// workers and a joiner, on bounded queues and on queues with an 8 or 16 MiB byte ceiling,
// with a fresh seed each run, named in the failure with the command that replays it.
// `npm run stress` runs the same engine at any size.
import { expect, test } from "vitest";
import process from "node:process";
import { ITEMS_PER_UNIT, runStress } from "./stress/engine.mjs";
import { randomSeed } from "./stress/random.mjs";
import { runtime } from "./harness.ts";

test("JoinableQueue under load: every item got exactly once, intact, in order per producer; join() returns only after the last taskDone()", async () => {
  const seed = process.env.STRESS_SEED ? Number(process.env.STRESS_SEED) : randomSeed();
  const result = await runStress({ items: ITEMS_PER_UNIT, seed, stallMs: 30_000 });
  const replay = `STRESS_SEED=${seed} STRESS=1 npm run stress -- ${runtime}`;
  expect(result.failure ? `${result.failure}\nreplay it with: ${replay}` : "").toBe("");
  expect(result.items).toBe(ITEMS_PER_UNIT);
}, 120_000);
