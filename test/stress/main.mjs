// The stress test as a program, in whichever runtime runs it:
//   node test/stress/main.mjs
//   node_modules/.bin/deno run --allow-read --allow-env test/stress/main.mjs
//   node_modules/.bin/bun test/stress/main.mjs
// (`npm run stress` runs it in all three.) STRESS=n scales it to n x 20,000 items
// (fractions allowed); STRESS_SEED=s replays a run's seed. It prints the seed first,
// progress every few seconds, and a last line that starts "stress OK" or "stress FAIL";
// it exits non-zero on a failure.
import process from "node:process";
import { ITEMS_PER_UNIT, SIZE_DISTRIBUTION, describeRun, runStress, runtime } from "./engine.mjs";
import { randomSeed } from "./random.mjs";

/** The run's size and seed from STRESS and STRESS_SEED; throws on a malformed value. */
function settingsFromEnv(env) {
  const scaleText = env.STRESS ?? "1";
  const scale = Number(scaleText);
  if (scaleText.trim() === "" || !Number.isFinite(scale) || scale <= 0) {
    throw new RangeError(`STRESS must be a positive number (a multiple of ${ITEMS_PER_UNIT} items), got "${scaleText}"`);
  }
  let seed = randomSeed();
  if (env.STRESS_SEED !== undefined) {
    seed = Number(env.STRESS_SEED);
    if (env.STRESS_SEED.trim() === "" || !Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
      throw new RangeError(`STRESS_SEED must be an integer from 0 to 4294967295, got "${env.STRESS_SEED}"`);
    }
  }
  return { scale: scaleText, items: Math.max(1, Math.round(scale * ITEMS_PER_UNIT)), seed };
}

let settings;
try {
  settings = settingsFromEnv(process.env);
} catch (e) {
  console.error(`stress: ${e.message}`);
  process.exit(2);
}
const { scale, items, seed } = settings;
const reproduce = `STRESS_SEED=${seed} STRESS=${scale} npm run stress -- ${runtime}`;
console.log(`stress: ${describeRun({ items, seed })}`);
console.log(`stress: sizes: ${SIZE_DISTRIBUTION}`);
console.log(`stress: to repeat this run: ${reproduce}`);

const r = await runStress({ items, seed, progressMs: 5000, log: (line) => console.log(`stress: ${line}`), stallMs: 120_000 });
const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
if (r.ok) {
  const calls = Object.entries(r.calls).sort(([a], [b]) => a.localeCompare(b)).map(([name, n]) => `${name} ${n}`).join(", ");
  console.log(`stress: calls: ${calls}`);
  console.log(`stress: retried ${r.full} puts after Full, ${r.empty} gets after Empty, ${r.aborted} aborted async calls; ` +
    `the joiner's join() returned ${r.joins} times mid-run (and timed out ${r.joinTimeouts} times)`);
  console.log(`stress: largest storage: ${Object.entries(r.maxMemory).map(([k, v]) => `${mib(v)} (${k})`).join(", ")}`);
}
const summary = `${r.runtime} ${r.runtimeVersion}, ${r.items.toLocaleString("en-US")} items, ${mib(r.bytes)} of payload, ` +
  `${r.seconds.toFixed(1)} s, ${Math.round(r.itemsPerSecond).toLocaleString("en-US")} items/s, ${r.phases} phases, seed ${seed}`;
if (r.ok) {
  console.log(`stress OK: ${summary}`);
} else {
  console.log(`stress FAIL: ${r.failure}`);
  console.log(`stress FAIL: to repeat it: ${reproduce}`);
  process.exit(1);
}
process.exit(0);
