// `npm run torture`: builds, then runs the kill-safety torture (test/torture/main.mjs) in
// Node, Deno and Bun in turn, and ends with a summary. `npm run torture -- bun` runs only
// the runtimes named. KILLS=n sets the kills per runtime (default 240 x TORTURE, TORTURE
// default 1); TORTURE_SEED=n repeats a run's choices (thread timing still differs);
// TORTURE_KINDS=web picks the worker kinds. The short version runs in `npm test`
// (test/kill_test.ts).
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => `${root}node_modules/.bin/${name}`;
const main = "test/torture/main.mjs";

const runtimes = {
  node: [process.execPath, [main]],
  // Starting a worker from a file needs --allow-read in Deno; the settings come from the env.
  deno: [bin("deno"), ["run", "--allow-read", "--allow-env", main]],
  bun: [bin("bun"), [main]],
};

function run(command, args) {
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(command, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    child.stdout.on("data", (d) => {
      output += d;
      for (const line of String(d).split("\n")) if (line && !line.startsWith("TORTURE_SUMMARY ")) process.stdout.write(`${line}\n`);
    });
    child.stderr.on("data", (d) => { output += d; process.stderr.write(d); });
    child.on("close", (code) => resolve({ code, output }));
    child.on("error", (e) => resolve({ code: 127, output: String(e) }));
  });
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((a) => !(a in runtimes));
if (unknown.length > 0) {
  console.error(`torture: unknown runtime ${unknown.join(", ")} (choose from ${Object.keys(runtimes).join(", ")})`);
  process.exit(2);
}
const chosen = wanted.length > 0 ? wanted : Object.keys(runtimes);

const build = await run(process.execPath, [`${root}scripts/build.mjs`]);
if (build.code !== 0) {
  console.log("torture: the build failed; nothing ran");
  process.exit(1);
}

const results = [];
for (const name of chosen) {
  console.log(`\n=== torture: ${name} ===`);
  const [command, args] = runtimes[name];
  const { code, output } = await run(command, args);
  const line = output.split("\n").find((l) => l.startsWith("TORTURE_SUMMARY "));
  const summary = line ? JSON.parse(line.slice("TORTURE_SUMMARY ".length)) : undefined;
  results.push({ name, ok: code === 0 && summary?.failures.length === 0, summary, code });
}

console.log("\nTorture summary");
for (const { name, ok, summary: s, code } of results) {
  if (!s) {
    console.log(`  ${name.padEnd(5)} FAIL  exited with code ${code} before its summary`);
    continue;
  }
  const kinds = Object.entries(s.byKind).map(([k, v]) => `${k} ${v}`).join(", ");
  console.log(`  ${name.padEnd(5)} ${ok ? "OK  " : "FAIL"}  ${String(s.kills).padStart(4)} kills (${s.killed.producer} producers, ${s.killed.consumer} consumers; ${kinds}), ` +
    `${s.items} items (${s.large} large), ${s.lostWithKilled} lost with killed consumers, ${s.seconds.toFixed(1)} s, seed ${s.seed}`);
}
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
