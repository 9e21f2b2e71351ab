// `npm run stress`: the stress test (test/stress/) in Node, Deno and Bun in turn, with a
// summary. `npm run stress -- deno` runs the runtimes named. STRESS=n scales it to
// n x 20,000 items (STRESS=500: 10 million); STRESS_SEED=s replays a seed (one seed is
// drawn for the whole command when none is given). Builds first if dist/ is missing.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => `${root}node_modules/.bin/${name}`;
const main = "test/stress/main.mjs";

const runtimes = {
  node: [process.execPath, [main]],
  // Workers started from local files need --allow-read; STRESS and STRESS_SEED need --allow-env.
  deno: [bin("deno"), ["run", "--allow-read", "--allow-env", main]],
  bun: [bin("bun"), [main]],
};

function run(command, args, env) {
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d) => { output += d; process.stdout.write(d); });
    child.stderr.on("data", (d) => { output += d; process.stderr.write(d); });
    child.on("close", (code) => resolve({ code, output }));
    child.on("error", (e) => resolve({ code: 127, output: String(e) }));
  });
}

const unknown = process.argv.slice(2).filter((a) => !(a in runtimes));
if (unknown.length > 0) {
  console.error(`stress: unknown runtime ${unknown.join(", ")}; expected some of ${Object.keys(runtimes).join(", ")}`);
  process.exit(2);
}
const wanted = process.argv.slice(2);
const chosen = wanted.length > 0 ? wanted : Object.keys(runtimes);

if (!existsSync(`${root}dist/default.js`)) {
  const build = await run(process.execPath, [`${root}scripts/build.mjs`], process.env);
  if (build.code !== 0) {
    console.log("\nstress: the build failed; nothing ran");
    process.exit(1);
  }
}

const env = { ...process.env, STRESS_SEED: process.env.STRESS_SEED ?? String((Math.random() * 2 ** 32) >>> 0) };
const results = [];
for (const name of chosen) {
  console.log(`\n=== ${name} ===`);
  const [command, args] = runtimes[name];
  const { code, output } = await run(command, args, env);
  const last = output.split("\n").filter((line) => line.startsWith("stress OK") || line.startsWith("stress FAIL")).at(0);
  results.push({ name, ok: code === 0 && last?.startsWith("stress OK"), line: last ?? `exited with code ${code} before its summary` });
}

console.log("\nSummary");
for (const r of results) console.log(`  ${r.name.padEnd(5)} ${r.ok ? "ok  " : "FAIL"}  ${r.line.replace(/^stress (OK|FAIL): /, "")}`);
const failed = results.filter((r) => !r.ok).length;
const runtimesWord = results.length === 1 ? "runtime" : "runtimes";
console.log(failed === 0 ? `${results.length} ${runtimesWord} OK` : `${failed} of ${results.length} ${runtimesWord} FAILED`);
process.exit(failed === 0 ? 0 : 1);
