// The torture run in the runtime that runs this file (scripts/torture.mjs starts it in Node,
// Deno and Bun in turn). Environment:
//   KILLS=n          kills in all (default 240 x TORTURE)
//   TORTURE=x        scale (default 1)
//   TORTURE_SEED=n   the seed (default: random; printed, with the command that repeats it)
//   TORTURE_KINDS=a,b the worker kinds to draw from (default: every kind this runtime has)
// Prints progress, a summary, and a last line "TORTURE_SUMMARY {json}"; exits 1 on failure.
import process from "node:process";
import { describeSummary, torture } from "./engine.mjs";
import { runtime, workerKinds } from "./threads.mjs";

const env = process.env;
const scale = env.TORTURE === undefined ? 1 : Number(env.TORTURE);
const kills = env.KILLS !== undefined ? Number(env.KILLS) : Math.round(240 * scale);
const seed = env.TORTURE_SEED !== undefined ? Number(env.TORTURE_SEED) : Math.floor(Math.random() * 2 ** 31);
const kinds = env.TORTURE_KINDS ? env.TORTURE_KINDS.split(",") : workerKinds;
for (const [name, value] of [["KILLS", kills], ["TORTURE", scale], ["TORTURE_SEED", seed]]) {
  if (!Number.isFinite(value) || value < 0) {
    console.error(`torture: ${name} must be a non-negative number, got ${JSON.stringify(env[name])}`);
    process.exit(2);
  }
}
const unknown = kinds.filter((k) => !workerKinds.includes(k));
if (unknown.length > 0) {
  console.error(`torture: TORTURE_KINDS: ${unknown.join(", ")} not available in ${runtime} (it has ${workerKinds.join(", ")})`);
  process.exit(2);
}

console.log(`torture ${runtime}: ${kills} kills, worker kinds ${kinds.join(", ")}, seed ${seed}`);
console.log(`  repeat with: KILLS=${kills} TORTURE_SEED=${seed} TORTURE_KINDS=${kinds.join(",")} npm run torture -- ${runtime}`);
const summary = await torture({
  kills, seed, kinds, killsPerQueue: 24,
  progress: (line) => console.log(`  [${runtime}] ${line}`),
});
for (const line of describeSummary(summary)) console.log(line);
console.log(`TORTURE_SUMMARY ${JSON.stringify(summary)}`);
process.exit(summary.failures.length === 0 ? 0 : 1);
