// `npm run model`: checks the Promela model of the core's concurrency protocol
// (model/queue.pml) with spin, exhaustively, in each configuration below, and checks that
// spin rejects each deliberately broken variant for the reason it was broken for.
// Prints a table (states stored, transitions, depth, memory, time) and exits non-zero when
// a configuration that should pass fails or a broken variant is not rejected.
//
//   node scripts/model.mjs                 every check
//   node scripts/model.mjs walk broken     only the checks whose name contains a word given
//   node scripts/model.mjs --list          the checks, without running them
//   node scripts/model.mjs --slow          also the slow checks (or name one)
//   node scripts/model.mjs --jobs=1        one check at a time (default: 2, or 1 on 1 CPU)
//
// Needs spin and a C compiler (gcc, or $CC): `apt-get install spin gcc`. Works in a
// temporary directory; nothing is written into the repository.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const modelPath = join(root, "model", "queue.pml");
const cc = process.env.CC || "gcc";

// The configurations. `pass`: spin must find no error in the whole state space. `fail`:
// spin must report an error whose failed check (the comment on or above the assert in
// model/queue.pml) matches `reason`.
const TWO_BY_TWO = { MAXSIZE: 2 };
const FINE_SMALL = { FINE: 1, JOIN_EARLY: 1, NITEMS: 1, MAXSIZE: 1 };
const WALK = { WALK: 1, VARSIZE: 1, MAXSIZE: 0, NITEMS: 3, NITEMS1: 0, NO_JOINER: 1 };
const SHUTDOWN_NOW = { SHUTDOWN: 2, NITEMS: 1, MAXSIZE: 1 };
const STRAY = { ...SHUTDOWN_NOW, STRAY_DONE: 1 };
const LOST_WAKE_UP = /Lost wake-up/;
const checks = [
  { name: "2x2 maxsize 2", what: "2 producers x 2 items, 2 consumers, maxsize 2, join", defines: TWO_BY_TWO, expect: "pass", large: true },
  { name: "2x2 maxsize 3, byte ceiling", what: "maxsize 3, records of 1 and 2 units, the ring grows to its 4-unit ceiling: puts wait for items and for bytes", defines: { MAXSIZE: 3, LIMIT: 4, VARSIZE: 1 }, expect: "pass", large: true },
  { name: "shutdown", what: "2 x 1 items, maxsize 1, shutdown() at any moment", defines: { SHUTDOWN: 1, NITEMS: 1, MAXSIZE: 1 }, expect: "pass" },
  { name: "shutdown immediate", what: "the same with shutdown(immediate = true)", defines: SHUTDOWN_NOW, expect: "pass" },
  { name: "shutdown immediate, stray taskDone", what: "the same, and the closer first calls taskDone() for no item taken: shutdown's clamp matters", defines: STRAY, expect: "pass", large: true },
  { name: "getMany walk", what: "3 items, getMany(2) walking the ring without the lock beside get()", defines: WALK, expect: "pass" },
  { name: "join racing puts", what: "2 + 1 items, maxsize 2, join() from the start", defines: { JOIN_EARLY: 1, NITEMS1: 1, MAXSIZE: 2 }, expect: "pass" },
  { name: "fine steps", what: "2 x 1 items, maxsize 1, join from the start, every step as the code takes it (about 18 M states)", defines: FINE_SMALL, expect: "pass", large: true },
  { name: "2x2 maxsize 2, fine steps", what: "the first check, every step as the code takes it (about 24 M states, a minute)", defines: { ...TWO_BY_TWO, FINE: 1 }, expect: "pass", slow: true },
  { name: "notify before publish", what: "bump and notify before the item is in the ring: harmless under the lock", defines: { NOTIFY_BEFORE_PUBLISH: 1, NITEMS: 1, MAXSIZE: 1 }, expect: "pass" },
  { name: "broken epoch after retry", what: "a waiter reads the epoch after its retry", defines: { ...TWO_BY_TWO, BROKEN_EPOCH_AFTER_RETRY: 1 }, expect: "fail", reason: LOST_WAKE_UP },
  { name: "broken epoch after retry, fine", what: "the same, every step", defines: { ...FINE_SMALL, BROKEN_EPOCH_AFTER_RETRY: 1 }, expect: "fail", reason: LOST_WAKE_UP },
  { name: "broken unregister before wait", what: "a waiter leaves the waiter count before it sleeps", defines: { ...TWO_BY_TWO, BROKEN_UNREGISTER_BEFORE_WAIT: 1 }, expect: "fail", reason: LOST_WAKE_UP },
  { name: "broken unregister before wait, fine", what: "the same, every step", defines: { ...FINE_SMALL, BROKEN_UNREGISTER_BEFORE_WAIT: 1 }, expect: "fail", reason: LOST_WAKE_UP },
  { name: "broken done off by one", what: "taskDone() compares TASKS_DONE from before its increment with putSeen and TASKS_PUT", defines: { ...TWO_BY_TWO, BROKEN_DONE_OFF_BY_ONE: 1 }, expect: "fail", reason: /Lost wake-up: join\(\) asleep/ },
  { name: "broken join on empty", what: "join() waits for an empty queue, not for the tasks", defines: { ...TWO_BY_TWO, BROKEN_JOIN_ON_EMPTY: 1 }, expect: "fail", reason: /Join never early/ },
  { name: "broken taken before head", what: "a take bumps TAKEN before it moves HEAD", defines: { ...WALK, BROKEN_TAKEN_BEFORE_HEAD: 1 }, expect: "fail", reason: /misframed|torn|never put|taken twice|out of order|not whole records|CORRUPTED/ },
  { name: "broken done not atomic", what: "taskDone() stores the TASKS_DONE it loaded plus one, without a compare-exchange", defines: { ...TWO_BY_TWO, BROKEN_DONE_NOT_ATOMIC: 1 }, expect: "fail", reason: /The counters agree/ },
  { name: "broken shutdown no clamp", what: "shutdown(immediate) adds every queued item to TASKS_DONE, without the clamp to TASKS_PUT", defines: { ...STRAY, BROKEN_SHUTDOWN_NO_CLAMP: 1 }, expect: "fail", reason: /TASKS_DONE > TASKS_PUT/ },
  { name: "broken shutdown forgets putters", what: "shutdown(immediate) wakes getters and joiners only", defines: { ...SHUTDOWN_NOW, BROKEN_SHUTDOWN_FORGETS_PUTTERS: 1 }, expect: "fail", reason: /Lost wake-up: a putter asleep/ },
];

const args = process.argv.slice(2);
const jobsArg = args.find((a) => a.startsWith("--jobs="));
const jobs = jobsArg ? Math.max(1, Number(jobsArg.slice(7)) || 1) : Math.min(2, availableParallelism());
const words = args.filter((a) => !a.startsWith("--"));
const named = (c) => words.some((w) => c.name.includes(w));
const chosen = checks.filter((c) =>
  words.length === 0 ? !c.slow || args.includes("--slow") : named(c) && (!c.slow || args.includes("--slow") || words.includes(c.name)));
const flags = (defines) => Object.entries(defines).map(([k, v]) => `-D${k}=${v}`);

if (args.includes("--list")) {
  for (const c of checks) {
    console.log(`${c.name.padEnd(36)} ${c.expect}${c.slow ? " (slow)" : ""}  ${flags(c.defines).join(" ")}\n${"".padEnd(36)}       ${c.what}`);
  }
  process.exit(0);
}
if (chosen.length === 0) {
  console.error(`model: no check is named like ${words.join(", ")} (see --list)`);
  process.exit(2);
}
for (const [tool, args] of [["spin", ["-V"]], [cc, ["--version"]]]) {
  try {
    execFileSync(tool, args, { stdio: "ignore" });
  } catch {
    console.error(`model: ${tool} was not found; install it with: apt-get install spin gcc`);
    process.exit(2);
  }
}
console.log(execFileSync("spin", ["-V"], { encoding: "utf8" }).trim());

function run(command, argv, cwd) {
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(command, argv, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (d) => { output += d; });
    child.stderr.on("data", (d) => { output += d; });
    child.on("close", (code) => resolve({ code, output }));
    child.on("error", (e) => resolve({ code: 127, output: String(e) }));
  });
}

const modelLines = readFileSync(modelPath, "utf8").split("\n");
/** The comment that names a failed assert: on its line, or the comment line(s) above. */
function describeLine(n) {
  const line = modelLines[n - 1] ?? "";
  const trailing = /\/\*\s*(.*?)\s*\*\/\s*$/.exec(line);
  if (trailing) return trailing[1].replace(/\.$/, "");
  for (let i = n - 2; i >= 0 && i >= n - 4; i--) {
    const m = /^\s*\/\*\s*(.*?)(\s*\*\/)?\s*$/.exec(modelLines[i]);
    if (m) return m[1].replace(/\.$/, "");
  }
  return line.trim();
}

async function check(c) {
  const dir = mkdtempSync(join(tmpdir(), "jq-model-"));
  const started = Date.now();
  const result = await verify(c, dir);
  result.seconds = (Date.now() - started) / 1000;
  if (result.ok || process.env.MODEL_KEEP !== "1") rmSync(dir, { recursive: true, force: true });
  else console.log(`model: kept ${dir}`);
  return result;
}

async function verify(c, dir) {
  const result = { ...c, ok: false, detail: "" };
  {
    copyFileSync(modelPath, join(dir, "queue.pml"));
    const d = flags(c.defines);
    const gen = await run("spin", ["-a", ...d, "queue.pml"], dir);
    if (gen.code !== 0) return { ...result, detail: `spin -a failed:\n${gen.output}` };
    // -DSAFETY: safety properties only (assertions, invalid end states), exhaustively; the
    // largest state space here needs about 2 GB; -DMEMLIM stops a runaway search. A broken
    // variant stops at its first error: -O0 compiles it faster than -O1 would run it.
    // The slow and the large checks' state vectors are compressed (-DCOLLAPSE: a third of
    // the memory). The slow check outgrew 6 GB when taskDone() lost its lock (120 million
    // states and counting): it may take 16 GB, which a CI machine need not have, as CI
    // does not run it.
    const opt = c.expect === "pass" ? "-O1" : "-O0";
    const size = c.slow ? ["-DCOLLAPSE", "-DMEMLIM=16384"] : c.large ? ["-DCOLLAPSE", "-DMEMLIM=6144"] : ["-DMEMLIM=3072"];
    const build = await run(cc, [opt, "-w", "-DSAFETY", ...size, "-o", "pan", "pan.c"], dir);
    if (build.code !== 0) return { ...result, detail: `${cc} failed:\n${build.output}` };
    const pan = await run("./pan", ["-m100000"], dir);
    const out = pan.output;
    const num = (re) => Number(re.exec(out)?.[1] ?? NaN);
    Object.assign(result, {
      errors: num(/errors: (\d+)/),
      // pan prints large counts as %g (1.17e+08): read the whole number, not its last digits
      states: num(/([\d.]+(?:e[+-]?\d+)?) states, stored/),
      transitions: num(/([\d.]+(?:e[+-]?\d+)?) transitions \(= stored\+matched\)/),
      depth: num(/depth reached (\d+)/),
      memory: num(/([\d.]+)\s+total actual memory usage/),
    });
    if (/max search depth too small|reached -DMEMLIM bound|Search not completed/.test(out) && result.errors === 0) {
      return { ...result, detail: `the search did not complete:\n${out}` };
    }
    if (!(result.errors >= 0)) return { ...result, detail: `unreadable pan output:\n${out}` };
    if (result.errors === 0) {
      return { ...result, ok: c.expect === "pass", detail: c.expect === "pass" ? "" : "not rejected: spin found no error" };
    }
    // An error: replay the trail to find which check failed first, and where.
    const first = /pan:1: (.*?) \(at depth (\d+)\)/.exec(out);
    const replay = await run("spin", ["-t", ...d, "queue.pml"], dir);
    const at = /spin: queue\.pml:(\d+), Error: (assertion violated|invalid end state)/.exec(replay.output);
    const steps = /trail ends after (\d+) steps/.exec(replay.output)?.[1];
    const reason = at ? `${describeLine(Number(at[1]))} (queue.pml:${at[1]})`
      : first ? first[1] : "an error";
    result.why = `${reason}${steps ? `, trail of ${steps} steps` : ""}`;
    if (c.expect === "pass") {
      // The replay without its dump of every variable: the failed checks and where each
      // process stood. MODEL_KEEP=1 keeps the directory with the trail for `spin -t -p`.
      const replayed = replay.output.split("\n").filter((l) => !l.startsWith("\t\t")).join("\n");
      return { ...result, detail: `${result.why}\n${replayed}` };
    }
    if (!c.reason.test(reason)) return { ...result, detail: `rejected, but not for the expected reason ${c.reason}` };
    return { ...result, ok: true };
  }
}

const results = new Array(chosen.length);
let next = 0;
async function worker() {
  while (next < chosen.length) {
    const i = next++;
    const c = chosen[i];
    const r = await check(c).catch((e) => ({ ...c, ok: false, detail: String(e), seconds: 0 }));
    results[i] = r;
    const verdict = r.ok ? (c.expect === "pass" ? "ok" : "rejected, as it must be") : "FAIL";
    console.log(`${c.name}: ${verdict} (${r.seconds.toFixed(1)} s)`);
  }
}
console.log(`checking ${chosen.length} configuration(s) of model/queue.pml, ${jobs} at a time`);
const started = Date.now();
await Promise.all(Array.from({ length: jobs }, worker));

const fmt = (n) => (Number.isFinite(n) ? String(n) : "-");
const rows = results.map((r) => [
  r.name, r.expect, r.ok ? (r.expect === "pass" ? "ok" : "rejected") : "FAIL",
  fmt(r.states), fmt(r.transitions), fmt(r.depth), Number.isFinite(r.memory) ? r.memory.toFixed(0) : "-",
  r.seconds.toFixed(1),
]);
const head = ["check", "expect", "result", "states", "transitions", "depth", "MB", "s"];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
console.log(`\n${line(head)}`);
for (const row of rows) console.log(line(row));
const broken = results.filter((r) => r.expect === "fail");
if (broken.length > 0) {
  console.log("\nWhy each broken variant was rejected (the first failed check of spin's counterexample):");
  for (const r of broken) console.log(`  ${r.name}: ${r.why ?? "-"}`);
}
const failed = results.filter((r) => !r.ok);
for (const r of failed) console.log(`\n${r.name}: ${r.detail}`);
console.log(`\n${results.length - failed.length} of ${results.length} checks as expected (${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.exit(failed.length === 0 ? 0 : 1);
