// `npm test`: builds, then runs the one test suite (test/*_test.ts) in Node (vitest),
// Deno (deno test, through test/deno_vitest.ts) and Bun (bun test), then the host tests
// (test/hosts/*_host.ts: the packed package's exports as bundlers and TypeScript resolve
// them, and the package in workerd, the Vercel Edge Runtime and Chromium, driven from
// Node by vitest), then the model check of the core's protocol (scripts/model.mjs, spin),
// and ends with a summary. `npm test -- node bun` runs only the stages named;
// `npm test -- model` needs no build.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => `${root}node_modules/.bin/${name}`;
const strip = (text) => text.replace(/\x1b\[[0-9;]*m/g, "");

const vitestCount = (out) => ({
  passed: Number(/Tests\s+.*?(\d+) passed/.exec(out)?.[1] ?? 0),
  failed: Number(/Tests\s+(\d+) failed/.exec(out)?.[1] ?? 0),
});
const hostStage = (file) => ({
  steps: [[bin("vitest"), ["run", "--config", "vitest.hosts.config.ts", `test/hosts/${file}`]]],
  count: vitestCount,
});

const runtimes = {
  node: {
    steps: [[bin("vitest"), ["run"]]],
    count: vitestCount,
  },
  deno: {
    // Type-check once, then run without re-checking each worker script as it starts.
    steps: [
      [bin("deno"), ["check", "test/"]],
      [bin("deno"), ["test", "--allow-read", "--allow-env", "--allow-run", "--no-check", "test/"]],
    ],
    count: (out) => {
      const m = /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(out);
      return { passed: Number(m?.[1] ?? 0), failed: Number(m?.[2] ?? 0) };
    },
  },
  bun: {
    steps: [[bin("bun"), ["test", "--timeout", "60000", "test/"]]],
    count: (out) => ({
      passed: Number(/^\s*(\d+) pass$/m.exec(out)?.[1] ?? 0),
      failed: Number(/^\s*(\d+) fail$/m.exec(out)?.[1] ?? 0),
    }),
  },
  exports: hostStage("exports_host.ts"),
  workerd: hostStage("workerd_host.ts"),
  "edge-runtime": hostStage("edge_runtime_host.ts"),
  chromium: hostStage("chromium_host.ts"),
  // Not a runtime: spin checks model/queue.pml. Without spin it fails with the install hint.
  model: {
    standalone: true,
    steps: [[process.execPath, [`${root}scripts/model.mjs`]]],
    count: (out) => {
      const m = /(\d+) of (\d+) checks as expected/.exec(out);
      return { passed: Number(m?.[1] ?? 0), failed: Number(m?.[2] ?? 0) - Number(m?.[1] ?? 0) };
    },
  },
};

function run(command, args) {
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(command, args, {
      cwd: root, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" }, stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.on("data", (d) => { output += d; process.stdout.write(d); });
    child.stderr.on("data", (d) => { output += d; process.stderr.write(d); });
    child.on("close", (code) => resolve({ code, output: strip(output) }));
    child.on("error", (e) => resolve({ code: 127, output: String(e) }));
  });
}

const wanted = process.argv.slice(2).filter((a) => a in runtimes);
const chosen = wanted.length > 0 ? wanted : Object.keys(runtimes);

if (!chosen.every((name) => runtimes[name].standalone)) {
  const build = await run(process.execPath, [`${root}scripts/build.mjs`]);
  if (build.code !== 0) {
    console.log("\nbuild failed: no test ran\n0 passed, 1 failed");
    process.exit(1);
  }
}

const results = [];
for (const name of chosen) {
  console.log(`\n=== ${name} ===`);
  const started = Date.now();
  let code = 0;
  let output = "";
  for (const [command, args] of runtimes[name].steps) {
    const r = await run(command, args);
    output += r.output;
    if (r.code !== 0) { code = r.code; break; }
  }
  const { passed, failed } = runtimes[name].count(output);
  // A runner that failed without failing a test (a type error, a crash) counts as a failure.
  const ok = code === 0 && failed === 0 && passed > 0;
  results.push({ name, passed, failed: ok ? failed : Math.max(failed, 1), ok, seconds: (Date.now() - started) / 1000 });
}

console.log("\nSummary");
for (const r of results) {
  console.log(`  ${r.name.padEnd(12)} ${r.ok ? "ok  " : "FAIL"}  ${String(r.passed).padStart(4)} passed, ${r.failed} failed  (${r.seconds.toFixed(1)} s)`);
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + (r.ok ? 0 : r.failed), 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
