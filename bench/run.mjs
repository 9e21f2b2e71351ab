/**
 * The queue's benchmark (issue 4): scenarios 1 to 5 on the build in ../dist/, against
 * references measured in the same run on the same machine. Plain JavaScript, so Node, Deno
 * and Bun run this same file:
 *
 *   npm run build          # once, if dist/ is missing or stale
 *   npm run bench          # node bench/run.mjs
 *   deno task bench        # the permissions it needs are in deno.json
 *   bun run bench          # bunfig.toml makes `bun run` run scripts' `node` on Bun
 *
 * Flags: --quick (tiny sizes, 1 warm-up + 2 runs: a smoke test that still checks every
 * item), --runs N (or RUNS=N; default 5), --only s1,s2,s3,s4,s5,python,evidence.
 *
 * Method: each row (a scenario or a reference) has its workers started once and reused;
 * worker start-up is never timed. A warm-up run sizes the timed runs to about TARGET_S
 * seconds each. The timed runs of the rows of one group (s1, s2, ...) are interleaved (run 1
 * of every row, then run 2, ...), so a load change on the machine touches them alike.
 * Items/s is the median of the timed runs, with their min and max; ratios are of medians
 * from this one invocation. Latency (s5) is p50 and p99 of all round trips of all timed runs.
 * Every run checks its items (count, order, checksum: items.mjs); a wrong result prints
 * FAIL and the process exits with 1 at the end. A missed target is not a failure.
 *
 * Output: a table on stdout; bench/results/latest.json (one entry per runtime) and
 * bench/results/chart.svg, for full runs only; --quick and --only runs write
 * bench/results/quick.json instead.
 */
import process from "node:process";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { BenchWorker } from "./threads.mjs";
import { Watchdog } from "./watchdog.mjs";
import { expectedTally, mergeTallies, tallyProblem } from "./items.mjs";
import { mpmc, pingPong, spinKnob, spsc } from "./ours.mjs";
import { postMessagePingPong, postMessageThroughput } from "./ref_post_message.mjs";
import { RING_CAPACITY, ringPingPong, ringThroughput } from "./ref_sab_ring.mjs";
import { runPython } from "./ref_python.mjs";
import { allocationEvidence, notifyEvidence } from "./evidence.mjs";
import { writeChart } from "./chart.mjs";

const G = globalThis;
const started = performance.now();

// ---- options ----------------------------------------------------------------------------

const GROUPS = ["s1", "s2", "s3", "s4", "s5", "python", "evidence"];
const argv = process.argv.slice(2);
function flagValue(name) {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith("--")) usage(`${name} needs a value`);
  return v;
}
function usage(problem) {
  console.error(`bench/run.mjs: ${problem}\nusage: run.mjs [--quick] [--runs N] [--only ${GROUPS.join(",")}]`);
  process.exit(2);
}
for (const a of argv) {
  if (a.startsWith("--") && !["--quick", "--runs", "--only"].includes(a)) usage(`unknown flag ${a}`);
}
const QUICK = argv.includes("--quick");
const runsText = flagValue("--runs") ?? process.env.RUNS;
const RUNS = runsText === undefined ? (QUICK ? 2 : 5) : Number(runsText);
if (!Number.isInteger(RUNS) || RUNS < 1) usage(`--runs / RUNS must be a positive integer, got ${runsText}`);
const onlyText = flagValue("--only");
const ONLY = onlyText === undefined ? GROUPS : onlyText.split(",").map((s) => s.trim());
for (const g of ONLY) if (!GROUPS.includes(g)) usage(`unknown group ${g} in --only (known: ${GROUPS.join(", ")})`);
const FULL = !QUICK && onlyText === undefined;

/** A timed run lasts about this long (seconds), sized from the warm-up. */
const TARGET_S = 0.4;
/** A run not done in this long fails (ms). */
const RUN_TIMEOUT_MS = 60_000;
const QUICK_ITEMS = 20_000;
const QUICK_TRIPS = 500;

// ---- the machine and the code measured --------------------------------------------------

const repo = fileURLToPath(new URL("..", import.meta.url));
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

const runtime = G.Deno
  ? { name: "deno", label: `Deno ${G.Deno.version.deno}`, version: G.Deno.version.deno, engine: `V8 ${G.Deno.version.v8}` }
  : G.Bun
    ? { name: "bun", label: `Bun ${G.Bun.version}`, version: G.Bun.version, engine: "JavaScriptCore" }
    : { name: "node", label: `Node ${process.version}`, version: process.version, engine: `V8 ${process.versions.v8}` };

function git(...args) {
  try {
    return execFileSync("git", args, { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}
const commit = git("rev-parse", "--short", "HEAD");
// Dirty: tracked files differ from the commit (the results this bench writes do not count).
const dirty = commit !== undefined && git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)bench/results") !== "";

function cpuModel() {
  try {
    return os.cpus()[0]?.model?.trim() || "unknown";
  } catch {
    return "unknown";
  }
}
const machine = {
  cpus: G.navigator?.hardwareConcurrency ?? os.cpus().length,
  model: cpuModel(),
  memoryGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
  os: `${os.platform()} ${os.release()} ${os.arch()}`,
  loadAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
};
const distBuilt = (() => {
  try {
    return statSync(new URL("../dist/core.wasm", import.meta.url)).mtime.toISOString();
  } catch {
    return undefined;
  }
})();

console.log(`${runtime.label} (${runtime.engine}), ${machine.cpus} CPUs (${machine.model}), ` +
  `commit ${commit ?? "unknown"}${dirty ? " (dirty)" : ""}, dist built ${distBuilt ?? "?"}, load ${machine.loadAtStart.join(" ")}`);
console.log(`${QUICK ? "quick run" : "full run"}: warm-up + ${RUNS} timed runs per row` +
  `${onlyText ? `, only ${ONLY.join(",")}` : ""}; timed runs of about ${QUICK ? "(quick sizes)" : `${TARGET_S} s`}`);

// ---- the rows ---------------------------------------------------------------------------

// kind "rate": items/s; kind "latency": round trips (p50/p99 in microseconds).
// guess: items in the warm-up run; max: the most items a timed run may have.
const rows = [
  { group: "s1", id: "s1", what: "S1 queue: {id,name}, structured, put/get + taskDone, maxsize 0", workers: 1, guess: 50_000, max: 2e6, run: (c) => spsc(c, { items: "object", maxsize: 0 }) },
  { group: "s1", id: "s1.bounded", what: "S1 queue, maxsize 1024", workers: 1, guess: 50_000, max: 2e6, run: (c) => spsc(c, { items: "object", maxsize: 1024 }) },
  { group: "s1", id: "pm.object", what: "ref postMessage: {id,name}, 1 per message", workers: 1, guess: 50_000, max: 2e6, run: (c) => postMessageThroughput(c, { items: "object" }) },
  { group: "s1", id: "ring.one.object", what: "ceiling: ref SAB ring, 1 by 1, {id,name} through the codec", workers: 1, guess: 1e6, max: 2e7, run: (c) => ringThroughput(c, { mode: "one", items: "object" }) },
  { group: "s1", id: "ring.counter.object", what: "ceiling: the same + shared task counter", workers: 1, guess: 1e6, max: 2e7, run: (c) => ringThroughput(c, { mode: "counter", items: "object" }) },

  { group: "s2", id: "s2", what: "S2 queue: 16-byte Uint8Array, bytes, put/get + taskDone, maxsize 0", workers: 1, guess: 100_000, max: 4e6, run: (c) => spsc(c, { items: "record", maxsize: 0 }) },
  { group: "s2", id: "s2.bounded", what: "S2 queue, maxsize 1024", workers: 1, guess: 100_000, max: 4e6, run: (c) => spsc(c, { items: "record", maxsize: 1024 }) },
  { group: "s2", id: "pm.record", what: "ref postMessage: 16-byte Uint8Array, 1 per message", workers: 1, guess: 50_000, max: 2e6, run: (c) => postMessageThroughput(c, { items: "record" }) },
  { group: "s2", id: "ring.one", what: `ref SAB ring (${RING_CAPACITY} slots): 16-byte records, 1 by 1`, workers: 1, guess: 1e6, max: 5e7, run: (c) => ringThroughput(c, { mode: "one" }) },
  { group: "s2", id: "ring.counter", what: "ref SAB ring, 1 by 1, + shared task counter", workers: 1, guess: 1e6, max: 5e7, run: (c) => ringThroughput(c, { mode: "counter" }) },
  { group: "s2", id: "ring.one.array", what: "ceiling: ref SAB ring, 1 by 1, a new Uint8Array per item taken", workers: 1, guess: 1e6, max: 5e7, run: (c) => ringThroughput(c, { mode: "one", items: "array" }) },
  { group: "s2", id: "ring.counter.array", what: "ceiling: the same + shared task counter", workers: 1, guess: 1e6, max: 5e7, run: (c) => ringThroughput(c, { mode: "counter", items: "array" }) },

  { group: "s3", id: "s3", what: "S3 queue: 16-byte Uint8Array, bytes, putMany/getMany 256, maxsize 0", workers: 1, guess: 200_000, max: 8e6, run: (c) => spsc(c, { items: "record", maxsize: 0, batch: 256 }) },
  { group: "s3", id: "s3.bounded", what: "S3 queue, maxsize 1024", workers: 1, guess: 200_000, max: 8e6, run: (c) => spsc(c, { items: "record", maxsize: 1024, batch: 256 }) },
  { group: "s3", id: "s3.object", what: "S3 queue: {id,name}, structured, putMany/getMany 256, maxsize 0", workers: 1, guess: 100_000, max: 4e6, run: (c) => spsc(c, { items: "object", maxsize: 0, batch: 256 }) },
  { group: "s3", id: "pm.record.256", what: "ref postMessage: arrays of 256 16-byte Uint8Arrays", workers: 1, guess: 100_000, max: 8e6, run: (c) => postMessageThroughput(c, { items: "record", batch: 256 }) },
  { group: "s3", id: "pm.object.256", what: "ref postMessage: arrays of 256 {id,name}", workers: 1, guess: 100_000, max: 4e6, run: (c) => postMessageThroughput(c, { items: "object", batch: 256 }) },
  { group: "s3", id: "ring.batch", what: "ref SAB ring: 16-byte records, published per 256", workers: 1, guess: 2e6, max: 2e8, run: (c) => ringThroughput(c, { mode: "batch", batch: 256 }) },
  { group: "s3", id: "ring.batch.array", what: "ceiling: ref SAB ring, per 256, a new Uint8Array per item taken", workers: 1, guess: 2e6, max: 2e8, run: (c) => ringThroughput(c, { mode: "batch", batch: 256, items: "array" }) },

  { group: "s4", id: "s4", what: "S4 queue: 2 producers, 2 consumers, 16-byte Uint8Array, bytes, maxsize 0", workers: 4, guess: 100_000, max: 4e6, run: (c) => mpmc(c, { producers: 2, consumers: 2, maxsize: 0 }) },

  { group: "s5", id: "s5", kind: "latency", what: `S5 queue ping-pong, 16-byte Uint8Array${spinKnob ? `, default spin (${spinKnob.spinMicros} us)` : ""}`, workers: 1, guess: 2000, min: 1000, max: 5e4, run: (c) => pingPong(c, {}) },
  ...(spinKnob
    ? [{ group: "s5", id: "s5.spin0", kind: "latency", what: "S5 queue ping-pong, spin 0 (tuning.spinMicros = 0)", workers: 1, guess: 2000, min: 1000, max: 5e4, run: (c) => pingPong(c, { spinMicros: 0 }) }]
    : []),
  { group: "s5", id: "ring.pingpong", kind: "latency", what: "ref Atomics.wait/notify ping-pong", workers: 1, guess: 2000, min: 1000, max: 5e4, run: (c) => ringPingPong(c, { spinMicros: 0 }) },
  { group: "s5", id: "ring.pingpong.spin", kind: "latency", what: "ref Atomics ping-pong, spin up to 20 us, then wait", workers: 1, guess: 2000, min: 1000, max: 5e4, run: (c) => ringPingPong(c, { spinMicros: 20 }) },
  { group: "s5", id: "pm.pingpong", kind: "latency", what: "ref postMessage ping-pong", workers: 1, guess: 2000, min: 1000, max: 5e4, run: (c) => postMessagePingPong(c) },
];
for (const r of rows) r.kind ??= "rate";

// ---- measuring --------------------------------------------------------------------------

const workerUrl = new URL("./worker.mjs", import.meta.url);
let failures = 0;
const results = {};

const expectedCache = new Map();
function expected({ kind, counts }) {
  const key = `${kind}:${counts.join(",")}`;
  if (!expectedCache.has(key)) expectedCache.set(key, expectedTally(kind, counts));
  return expectedCache.get(key);
}

/** One run of `row` with `count` items: checks it; returns items/s and the latency samples. */
async function runOnce(row, count) {
  const out = await row.run({ workers: row.pool, count, timeoutMs: RUN_TIMEOUT_MS, watch: (handles, fn) => watchdog.watch(handles, fn) });
  const problem = tallyProblem(mergeTallies(out.tallies), expected(out.expected));
  if (problem) throw new Error(problem);
  if (row.kind === "latency") {
    let total = 0;
    for (const s of out.samplesUs) total += s;
    return { rate: out.items / (total / 1e6), samplesUs: out.samplesUs };
  }
  return { rate: out.items / out.seconds };
}

function fail(row, e) {
  failures++;
  row.failure = e.message.split("\n")[0];
  console.log(`FAIL ${row.id}: ${e.message}`);
}

function sizeFrom(row, rate) {
  if (QUICK) return row.kind === "latency" ? QUICK_TRIPS : QUICK_ITEMS;
  const n = Math.round((rate * TARGET_S) / 256) * 256;
  return Math.max(row.min ?? 256, Math.min(row.max, n));
}

let watchdog;

async function measureGroup(group) {
  const list = rows.filter((r) => r.group === group);
  for (const row of list) {
    row.pool = Array.from({ length: row.workers }, () => new BenchWorker(workerUrl));
    row.rates = [];
    row.samples = [];
  }
  try {
    // Warm-up: a run of `guess` items, then (full runs) one of the size it suggests, whose
    // rate, with the code now optimised, sizes the timed runs.
    for (const row of list) {
      try {
        let { rate } = await runOnce(row, QUICK ? sizeFrom(row, 0) : row.guess);
        if (!QUICK) ({ rate } = await runOnce(row, sizeFrom(row, rate)));
        row.count = sizeFrom(row, rate);
        console.log(`  ${group} warm-up ${row.id}: ${fmtRate(rate, row)} -> ${row.count.toLocaleString("en-US")} ${row.kind === "latency" ? "round trips" : "items"} per run`);
      } catch (e) {
        fail(row, e);
      }
    }
    for (let run = 1; run <= RUNS; run++) {
      const line = [];
      for (const row of list) {
        if (row.failure) continue;
        try {
          const { rate, samplesUs } = await runOnce(row, row.count);
          row.rates.push(rate);
          if (samplesUs) row.samples.push(samplesUs);
          line.push(`${row.id} ${fmtRate(rate, row)}`);
        } catch (e) {
          fail(row, e);
        }
      }
      console.log(`  ${group} run ${run}/${RUNS}: ${line.join(" | ")}`);
    }
  } finally {
    for (const row of list) await Promise.all(row.pool.map((w) => w.terminate()));
  }
  for (const row of list) results[row.id] = summarize(row);
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function summarize(row) {
  const out = { what: row.what, kind: row.kind, ok: !row.failure, failure: row.failure, count: row.count, runs: row.rates.length, rates: row.rates.map(Math.round) };
  if (row.rates.length > 0) {
    out.median = median(row.rates);
    out.secondsPerRun = Math.round((row.count / out.median) * 1000) / 1000;
    out.min = Math.min(...row.rates);
    out.max = Math.max(...row.rates);
  }
  if (row.kind === "latency" && row.samples.length > 0) {
    const all = Float64Array.from(row.samples.flatMap((s) => Array.from(s))).sort();
    out.p50Us = quantile(all, 0.5);
    out.p99Us = quantile(all, 0.99);
    out.runP50sUs = row.samples.map((s) => quantile(Float64Array.from(s).sort(), 0.5));
  }
  return out;
}

// ---- run it -----------------------------------------------------------------------------

const watchdogWorker = new BenchWorker(workerUrl);
watchdog = new Watchdog(watchdogWorker, RUN_TIMEOUT_MS);
let python;
let evidence;
try {
  for (const group of ONLY) {
    if (group === "python") {
      const count = QUICK ? 5_000 : 100_000;
      console.log(`  python: ${count.toLocaleString("en-US")} items per run (multiprocessing.JoinableQueue)`);
      python = await runPython({ count, runs: RUNS, warmups: 1, timeoutMs: RUN_TIMEOUT_MS });
      if (python.skipped) {
        console.log(`python: skipped (${python.skipped})`);
      } else {
        const res = { what: `ref ${python.python} multiprocessing.JoinableQueue, tuples, task_done`, kind: "rate", count, runs: python.rates.length, rates: python.rates.map(Math.round), ok: python.problems.length === 0 && python.rates.length > 0 };
        if (python.rates.length > 0) Object.assign(res, { median: median(python.rates), min: Math.min(...python.rates), max: Math.max(...python.rates) });
        if (!res.ok) {
          res.failure = python.problems[0] ?? "no timed run";
          failures++;
          console.log(`FAIL python: ${python.problems.join("; ")}`);
        }
        results.python = res;
      }
    } else if (group === "evidence") {
      const n = QUICK ? 100_000 : 1_000_000;
      console.log(`  evidence: ${n.toLocaleString("en-US")} puts on the bytes path, ${(n / 10).toLocaleString("en-US")} uncontended put/get/taskDone`);
      evidence = { allocation: await allocationEvidence({ n }), notify: notifyEvidence({ n: n / 10 }) };
    } else {
      await measureGroup(group);
    }
  }
} finally {
  await watchdogWorker.terminate();
}

// ---- report -----------------------------------------------------------------------------

function fmtNumber(n) {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + "G";
  if (n >= 1e6) return (n / 1e6).toFixed(2) + "M";
  if (n >= 1e3) return (n / 1e3).toFixed(1) + "k";
  return n.toFixed(0);
}
function fmtRate(rate, row) {
  return row?.kind === "latency" ? `${(1e6 / rate).toFixed(1)} us/trip` : `${fmtNumber(rate)}/s`;
}
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);

console.log("");
console.log(`${pad("row", 18)} ${pad("what", 72)} ${lpad("median", 10)} ${lpad("min", 10)} ${lpad("max", 10)} ${lpad("items/run", 10)}  check`);
for (const [id, r] of Object.entries(results)) {
  if (r.kind !== "rate") continue;
  const cells = r.median === undefined ? ["-", "-", "-"] : [r.median, r.min, r.max].map((x) => fmtNumber(x) + "/s");
  console.log(`${pad(id, 18)} ${pad(r.what, 72)} ${cells.map((c) => lpad(c, 10)).join(" ")} ${lpad(r.count ? fmtNumber(r.count) : "-", 10)}  ${r.ok ? "ok" : `FAIL: ${r.failure}`}`);
}
if (python?.skipped) console.log(`python: skipped (${python.skipped})`);

const latencyRows = Object.entries(results).filter(([, r]) => r.kind === "latency");
if (latencyRows.length > 0) {
  console.log("");
  console.log(`${pad("row", 18)} ${pad("what", 72)} ${lpad("p50 us", 8)} ${lpad("p99 us", 8)} ${lpad("run p50s", 14)} ${lpad("trips/s", 9)}  check`);
  for (const [id, r] of latencyRows) {
    const f = (x) => (x === undefined ? "-" : x.toFixed(1));
    const spread = r.runP50sUs?.length ? `${f(Math.min(...r.runP50sUs))}-${f(Math.max(...r.runP50sUs))}` : "-";
    console.log(`${pad(id, 18)} ${pad(r.what, 72)} ${lpad(f(r.p50Us), 8)} ${lpad(f(r.p99Us), 8)} ${lpad(spread, 14)} ${lpad(r.median ? fmtNumber(r.median) : "-", 9)}  ${r.ok ? "ok" : `FAIL: ${r.failure}`}`);
  }
  console.log("(p50/p99: over all round trips of all timed runs; run p50s: the lowest and highest p50 of a single run)");
}

const med = (id) => (results[id]?.ok ? results[id].median : undefined);
const ratioOf = (a, b) => (med(a) && med(b) ? med(a) / med(b) : undefined);
const ratios = {
  "s1/pm.object": ratioOf("s1", "pm.object"),
  "s1.bounded/pm.object": ratioOf("s1.bounded", "pm.object"),
  "s1/python": ratioOf("s1", "python"),
  "s2/pm.record": ratioOf("s2", "pm.record"),
  "s2/ring.counter": ratioOf("s2", "ring.counter"),
  "s2/ring.one": ratioOf("s2", "ring.one"),
  "s2.bounded/ring.counter": ratioOf("s2.bounded", "ring.counter"),
  "s2/python": ratioOf("s2", "python"),
  "s3/ring.batch": ratioOf("s3", "ring.batch"),
  "s3.bounded/ring.batch": ratioOf("s3.bounded", "ring.batch"),
  "s3/pm.record.256": ratioOf("s3", "pm.record.256"),
  "s3.object/pm.object.256": ratioOf("s3.object", "pm.object.256"),
  "ring.counter/ring.one": ratioOf("ring.counter", "ring.one"),
  "s1/ring.counter.object": ratioOf("s1", "ring.counter.object"),
  "s2/ring.counter.array": ratioOf("s2", "ring.counter.array"),
};
const p50 = (id) => (results[id]?.ok ? results[id].p50Us : undefined);
// Latency ratios: the reference's p50 over ours (above 1: ours is quicker).
const latencyRatio = (ref, ours) => (p50(ref) && p50(ours) ? p50(ref) / p50(ours) : undefined);
ratios["ring.pingpong/s5 (p50)"] = latencyRatio("ring.pingpong", "s5");
ratios["pm.pingpong/s5 (p50)"] = latencyRatio("pm.pingpong", "s5");
if (spinKnob) ratios["s5.spin0/s5 (p50)"] = latencyRatio("s5.spin0", "s5");
ratios["ring.pingpong/ring.pingpong.spin (p50)"] = latencyRatio("ring.pingpong", "ring.pingpong.spin");
for (const k of Object.keys(ratios)) if (ratios[k] === undefined) delete ratios[k];

// The ceiling of a target: the same ratio for the better of the ideal rings that carry the
// items as the contract makes any queue carry them (a new Uint8Array per get; S1's objects
// through the codec). A target above its ceiling is out of reach of any queue with this
// contract and codec on this machine, not only of this one.
const bestOf = (...ids) => Math.max(...ids.map((id) => med(id) ?? NaN));
const ceilingOf = (ceilings, ref) => {
  const c = bestOf(...ceilings);
  return Number.isFinite(c) && med(ref) ? c / med(ref) : undefined;
};
const objectCeilings = ["ring.one.object", "ring.counter.object"];
const arrayCeilings = ["ring.one.array", "ring.counter.array"];
const targets = [
  { target: "S1 >= 10x postMessage", ratio: ratios["s1/pm.object"], need: 10, ceiling: ceilingOf(objectCeilings, "pm.object") },
  { target: "S2 >= 10x postMessage", ratio: ratios["s2/pm.record"], need: 10, ceiling: ceilingOf(arrayCeilings, "pm.record") },
  { target: "S2 >= 50% of the raw ring with a task counter", ratio: ratios["s2/ring.counter"], need: 0.5, ceiling: ceilingOf(arrayCeilings, "ring.counter") },
  { target: "S3 >= 25% of the raw ring, batched", ratio: ratios["s3/ring.batch"], need: 0.25, ceiling: ceilingOf(["ring.batch.array"], "ring.batch") },
  { target: "S2 >= 30x Python", ratio: ratios["s2/python"], need: 30, ceiling: ceilingOf(arrayCeilings, "python") },
  { target: "S1 >= 10x Python", ratio: ratios["s1/python"], need: 10, ceiling: ceilingOf(objectCeilings, "python") },
  { target: "S5 p50 no worse than the raw wait/notify ping-pong (ring p50 / ours)", ratio: ratios["ring.pingpong/s5 (p50)"], need: 1 },
];
for (const t of targets) {
  t.met = t.ratio === undefined ? undefined : t.ratio >= t.need;
  if (t.ceiling === undefined) delete t.ceiling;
  else t.beyondCeiling = t.ceiling < t.need;
}
if (evidence) {
  const a = evidence.allocation;
  targets.push({
    target: "put on the bytes path allocates nothing per item",
    evidence: a.putBytesPerItem === undefined
      ? `not measurable here (${a.heapCounter})`
      : `${a.putBytesPerItem.toFixed(2)} B/put${a.putGcs === undefined ? "" : `, ${a.putGcs} GCs`} in ${fmtNumber(a.n)} puts ` +
        `(control: ${a.controlBytesPerItem.toFixed(1)} B${a.controlGcs === undefined ? "" : `, ${a.controlGcs} GCs`})`,
    met: a.zeroAllocation,
  });
  const n = evidence.notify;
  targets.push({
    target: "no Atomics.notify when nobody waits",
    evidence: `${n.coreNotifies} notifies by the core and ${n.atomicsNotifyCalls} Atomics.notify calls in ${fmtNumber(n.calls)} uncontended calls ` +
      `(waiter counts non-zero ${n.waiterCountsSeenNonZero} times); control, one waiter registered: ${n.controlNotifies} notify for one put`,
    met: n.noNotify,
  });
}

console.log("");
console.log("ratios (of medians, this run):");
for (const [k, v] of Object.entries(ratios)) console.log(`  ${pad(k, 40)} ${v >= 10 ? v.toFixed(1) : v.toFixed(2)}x`);
console.log("");
console.log("targets:");
for (const t of targets) {
  const measured = t.evidence ?? (t.ratio === undefined ? "not measured" : `${t.ratio >= 10 ? t.ratio.toFixed(1) : t.ratio.toFixed(2)}x (need ${t.need}x)`);
  const ceiling = t.ceiling === undefined ? ""
    : `  (ceiling ${t.ceiling >= 10 ? t.ceiling.toFixed(1) : t.ceiling.toFixed(2)}x${t.beyondCeiling ? ": out of reach" : ""})`;
  console.log(`  ${pad(t.target, 70)} ${pad(measured, 40)} ${t.met === undefined ? "n/a" : t.met ? "met" : "MISSED"}${ceiling}`);
}
// What a short spin before waiting buys here: p50 without the spin over p50 with it.
const spinStudy = {
  queue: spinKnob
    ? (p50("s5") && p50("s5.spin0") ? { defaultSpinMicros: spinKnob.spinMicros, p50Us: p50("s5"), p50NoSpinUs: p50("s5.spin0"), gain: p50("s5.spin0") / p50("s5") } : undefined)
    : "spin knob not available (dist/wait.js exports no `tuning`)",
  ring: p50("ring.pingpong") && p50("ring.pingpong.spin")
    ? { spinMicros: 20, p50Us: p50("ring.pingpong.spin"), p50NoSpinUs: p50("ring.pingpong"), gain: p50("ring.pingpong") / p50("ring.pingpong.spin") }
    : undefined,
};
const gainText = (g) => `p50 ${g.p50NoSpinUs.toFixed(1)} us without it, ${g.p50Us.toFixed(1)} us with it: ` +
  (g.gain >= 1 ? `${g.gain.toFixed(2)}x quicker` : `${(1 / g.gain).toFixed(2)}x slower`);
if (typeof spinStudy.queue === "string") console.log(`spin study, queue: ${spinStudy.queue}`);
else if (spinStudy.queue) console.log(`spin study, queue (default spin ${spinStudy.queue.defaultSpinMicros} us): ${gainText(spinStudy.queue)}`);
if (spinStudy.ring) console.log(`spin study, raw Atomics ping-pong (spin 20 us): ${gainText(spinStudy.ring)}`);
if (evidence) {
  const a = evidence.allocation;
  console.log(`allocation: heap counter ${a.heapCounter}; GC counter ${a.gcCounter}`);
}

// ---- files ------------------------------------------------------------------------------

const seconds = (performance.now() - started) / 1000;
const entry = {
  date: new Date().toISOString(),
  commit: commit ?? null,
  dirty,
  distBuilt: distBuilt ?? null,
  runtime: { name: runtime.name, version: runtime.version, engine: runtime.engine },
  machine: { ...machine, loadAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) },
  settings: { quick: QUICK, runs: RUNS, only: onlyText ? ONLY : null, targetSecondsPerRun: QUICK ? null : TARGET_S, runTimeoutMs: RUN_TIMEOUT_MS, ringCapacity: RING_CAPACITY, spinKnob: spinKnob ? { default: spinKnob.spinMicros } : null },
  seconds: Math.round(seconds),
  failures,
  rows: results,
  python: python?.skipped ? { skipped: python.skipped } : python ? { version: python.python, startMethod: python.start_method } : null,
  ratios,
  targets,
  spinStudy,
  evidence: evidence ?? null,
};
mkdirSync(resultsDir, { recursive: true });
const file = FULL ? "latest.json" : "quick.json";
const path = resultsDir + file;
let all = {};
if (existsSync(path)) {
  try {
    all = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    all = {};
  }
}
all[runtime.name] = entry;
writeFileSync(path, JSON.stringify(all, null, 2) + "\n");
console.log("");
console.log(`wrote bench/results/${file}${FULL ? " and bench/results/chart.svg" : ""}`);
if (FULL) writeChart(all, resultsDir + "chart.svg");

console.log(`${failures === 0 ? "all checks passed" : `FAIL: ${failures} row(s) failed`}; ${seconds.toFixed(0)} s`);
process.exit(failures === 0 ? 0 : 1);
