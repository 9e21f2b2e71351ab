/**
 * Micro-benchmark of the structured codec (the package's default "structured"
 * codec, built to dist/structured.js) against node:v8 serialize / deserialize
 * (where importable) and JSON: encode + decode round trips, side by side in
 * one run. Plain JavaScript, so every runtime runs the same file unchanged:
 *
 *   npm run build                      # once, if dist/ is missing
 *   node bench/codec.mjs
 *   node_modules/.bin/deno run bench/codec.mjs
 *   node_modules/.bin/bun bench/codec.mjs
 *
 * (Deno needs no permissions: the import of ../dist/structured.js is
 * part of the module graph, and importing node:v8 is not gated.)
 *
 * An argument names another build of the codec to measure instead (any
 * module exporting encodeStructured / decodeStructured, e.g. a copy of an
 * older dist/structured.js), to compare builds in one session; Deno then
 * needs --allow-read:
 *
 *   node bench/codec.mjs /tmp/old/structured.js
 *
 * Prints items per second of CPU time for each codec as the median of 5
 * timed runs (after a warm-up), with the min and max of those runs, for
 *   (a) small objects { id: i, name: "item" + i }
 *   (b) a ~1 KiB nested object
 *   (c) a 64 KiB Uint8Array
 * and the ratios ours / node:v8 and ours / JSON+UTF-8 of the medians.
 * "JSON+UTF-8" adds TextEncoder/TextDecoder, since a queue moves bytes, not
 * strings. JSON cannot represent a Uint8Array: for (c) it round-trips
 * Array.from(u8) and rebuilds the Uint8Array (with 1/20 of the iterations,
 * as it is that much slower). A timed run stops short of its iteration count
 * if it would take more than ~1 s (see TARGET_MS), so a whole run takes about
 * a minute in every runtime.
 */
import process from "node:process"; // for cpuUsage(), in every runtime
import { nested1k } from "./codec_data.mjs";

const G = globalThis;
const build = (G.Deno ? G.Deno.args : G.process.argv.slice(2))[0];
const cwd = G.Deno ? G.Deno.cwd() : G.process.cwd();
const { decodeStructured, encodeStructured } = build
  ? await import(new URL(build, `file://${cwd}/`).href)
  : await import("../dist/structured.js");
const runtime = G.Deno
  ? `Deno ${G.Deno.version.deno} (V8 ${G.Deno.version.v8})`
  : G.Bun
    ? `Bun ${G.Bun.version} (JavaScriptCore)`
    : `Node ${G.process?.version} (V8 ${G.process?.versions?.v8})`;
const platform = G.Deno ? `${G.Deno.build.os} ${G.Deno.build.arch}` : `${G.process?.platform} ${G.process?.arch}`;
console.log(`${runtime} on ${platform}`);
console.log(`structured codec: ${build ?? "dist/structured.js"}`);

let v8;
try {
  const specifier = "node:v8"; // not a literal: bundlers and checkers leave it alone
  v8 = await import(specifier);
  if (typeof v8?.serialize !== "function" || typeof v8?.deserialize !== "function") v8 = undefined;
} catch {
  v8 = undefined;
}

const te = new TextEncoder();
const td = new TextDecoder();

const OURS = "structured (ours)";
const V8 = "node:v8";
const JSON_UTF8 = "JSON+UTF-8";

const codecs = [{ name: OURS, roundTrip: (v) => decodeStructured(encodeStructured(v)) }];
if (v8) {
  const { serialize, deserialize } = v8;
  codecs.push({ name: V8, roundTrip: (v) => deserialize(serialize(v)) });
}
codecs.push({ name: "JSON", roundTrip: (v) => JSON.parse(JSON.stringify(v)) });
codecs.push({ name: JSON_UTF8, roundTrip: (v) => JSON.parse(td.decode(te.encode(JSON.stringify(v)))) });
codecs.push({ name: "structuredClone (ref)", roundTrip: (v) => structuredClone(v) });

const smallItems = Array.from({ length: 1000 }, (_, i) => ({ id: i, name: "item" + i }));
const nestedItems = Array.from({ length: 100 }, (_, i) => nested1k(i));
const blob = new Uint8Array(64 * 1024).map((_, i) => (i * 31) & 255);

const jsonBytes = (c) => ({
  name: c.name,
  roundTrip: (v) => new Uint8Array(c.roundTrip(Array.from(v))),
});

const datasets = [
  { name: "(a) small object", items: smallItems, count: 200_000 },
  { name: `(b) ${te.encode(JSON.stringify(nestedItems[0])).length} B nested object`, items: nestedItems, count: 20_000 },
  { name: "(c) 64 KiB Uint8Array", items: [blob], count: 2_000, adapt: { JSON: jsonBytes, [JSON_UTF8]: jsonBytes } },
];

const RUNS = 5;
// Each timed run does the dataset's iteration count, or fewer if that would
// take longer than TARGET_MS at the rate seen during warm-up (some codecs are
// 100x slower in some runtimes, e.g. node:v8 and structuredClone in Deno).
const TARGET_MS = 1000;
const WARMUP_MS = 300;
const MIN_COUNT = 20;

// Rates are per second of the process's CPU time (user + system), not of the
// wall clock: on a shared machine, the time slices other processes take would
// otherwise count against whichever codec was running then.
function timeRun(c, items, count) {
  let sink = 0;
  const n = items.length;
  const t0 = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const out = c.roundTrip(items[i % n]);
    if (out !== null) sink++;
  }
  const dt = process.cpuUsage(t0);
  if (sink !== count) throw new Error("bad round trip");
  return count / (Math.max(dt.user + dt.system, 1) / 1e6);
}

// Warm-up: up to count/RUNS round trips (as many as fit in WARMUP_MS), then
// the number of round trips for each timed run.
function warmUp(c, items, count) {
  const chunk = Math.max(1, Math.ceil(count / RUNS / 20));
  let done = 0;
  const t0 = performance.now();
  let dt = 0;
  do {
    timeRun(c, items, chunk);
    done += chunk;
    dt = performance.now() - t0;
  } while (done < count / RUNS && dt < WARMUP_MS);
  const rate = done / (Math.max(dt, 0.001) / 1000);
  return Math.max(MIN_COUNT, Math.min(count, Math.ceil((rate * TARGET_MS) / 1000)));
}

function fmt(n) {
  if (n >= 1e6) return (n / 1e6).toFixed(2) + "M";
  if (n >= 1e3) return (n / 1e3).toFixed(1) + "k";
  return n.toFixed(0);
}

// results[dataset][codec] = { median, min, max } in items/s
const results = datasets.map(() => ({}));
datasets.forEach((d, di) => {
  for (const base of codecs) {
    const c = d.adapt?.[base.name]?.(base) ?? base;
    const count = d.adapt?.[base.name] ? Math.ceil(d.count / 20) : d.count;
    const n = warmUp(c, d.items, count);
    const runs = [];
    for (let r = 0; r < RUNS; r++) runs.push(timeRun(c, d.items, n));
    runs.sort((a, b) => a - b);
    results[di][base.name] = { median: runs[runs.length >> 1], min: runs[0], max: runs[runs.length - 1] };
  }
});

function table(title, header, rows) {
  console.log("");
  console.log(title);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}

table(
  `round trip (encode + decode), items per CPU second: median [min-max] of ${RUNS} runs`,
  ["dataset", ...codecs.map((c) => c.name)],
  datasets.map((d, di) => [
    d.name,
    ...codecs.map((c) => {
      const r = results[di][c.name];
      return `${fmt(r.median)} [${fmt(r.min)}-${fmt(r.max)}]`;
    }),
  ]),
);

const ratio = (di, other) => {
  const o = results[di][other];
  return o ? (results[di][OURS].median / o.median).toFixed(2) + "x" : "n/a";
};
table(
  "ratio of medians (>1: ours is faster)",
  ["dataset", "ours/node:v8", "ours/JSON", "ours/JSON+UTF-8"],
  datasets.map((d, di) => [d.name, ratio(di, V8), ratio(di, "JSON"), ratio(di, JSON_UTF8)]),
);

const jsonSize = (d) => te.encode(JSON.stringify(d.adapt ? Array.from(d.items[0]) : d.items[0])).length;
table(
  "encoded bytes (first item)",
  ["dataset", OURS, ...(v8 ? [V8] : []), JSON_UTF8],
  datasets.map((d) => [
    d.name,
    String(encodeStructured(d.items[0]).length),
    ...(v8 ? [String(v8.serialize(d.items[0]).length)] : []),
    String(jsonSize(d)),
  ]),
);
