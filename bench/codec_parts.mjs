/**
 * Encode and decode of the structured codec timed SEPARATELY, in ns per item,
 * for the datasets of bench/codec.mjs. In the queue the producer encodes and
 * the consumer decodes, on two cores at once, so a stream of items is bound
 * by the slower of the two, not by their sum (which is what codec.mjs times).
 *
 *   npm run build                                  # once, if dist/ is missing
 *   node bench/codec_parts.mjs                     # dist/structured.js
 *   node bench/codec_parts.mjs old.js new.js       # several builds side by side
 *   node_modules/.bin/deno run --allow-read bench/codec_parts.mjs [files...]
 *   node_modules/.bin/bun bench/codec_parts.mjs [files...]
 *
 * Every file given must export encodeStructured / decodeStructured (a copy of
 * an older dist/structured.js, say). Their timed runs are interleaved
 * (A B A B ...), so a burst of load from elsewhere on the machine hits them
 * alike; compare the columns of one run, not figures from different runs. In
 * Bun, two copies of one file loaded side by side time up to 15% apart (the
 * one loaded first is faster): there, compare builds in separate processes.
 *
 * Times are CPU time of the process (process.cpuUsage), not wall-clock time,
 * so that time slices lost to other processes on a busy machine do not count.
 *
 * "decode" reads its input the way the queue hands it over today: a view into
 * shared memory (a SharedArrayBuffer), one payload after another, made before
 * timing; "view+decode" also makes the view, as the queue does for each item;
 * "decodeRange" passes the shared buffer and the payload's bounds to
 * decodeStructuredRange instead (builds that have it).
 */
import process from "node:process";
import { nested1k } from "./codec_data.mjs";

const G = globalThis;
const runtime = G.Deno
  ? `Deno ${G.Deno.version.deno} (V8 ${G.Deno.version.v8})`
  : G.Bun
    ? `Bun ${G.Bun.version} (JavaScriptCore)`
    : `Node ${G.process?.version} (V8 ${G.process?.versions?.v8})`;
console.log(runtime);

const args = G.Deno ? G.Deno.args : G.process.argv.slice(2);
const files = args.length ? args : [new URL("../dist/structured.js", import.meta.url).href];
const toURL = (f) => (/^[a-z]+:/.test(f) ? f : new URL(f, `file://${G.Deno ? G.Deno.cwd() : G.process.cwd()}/`).href);
const builds = [];
for (const f of files) {
  const m = await import(toURL(f));
  builds.push({
    name: f.split("/").slice(-2).join("/"),
    encode: m.encodeStructured,
    decode: m.decodeStructured,
    decodeRange: m.decodeStructuredRange,
  });
}

const datasets = [
  { name: "(a) small object", items: Array.from({ length: 1000 }, (_, i) => ({ id: i, name: "item" + i })), count: 1_000_000 },
  { name: "(b) nested object", items: Array.from({ length: 100 }, (_, i) => nested1k(i)), count: 50_000 },
  { name: "(c) 64 KiB Uint8Array", items: [new Uint8Array(64 * 1024).map((_, i) => (i * 31) & 255)], count: 5_000 },
];

/** Every item's bytes, back to back in shared memory, and a view of each. */
function sharedViews(build, items) {
  const copies = items.map((v) => build.encode(v).slice());
  const total = copies.reduce((n, c) => n + c.length, 0);
  const u8 = new Uint8Array(new SharedArrayBuffer(total));
  let at = 0;
  return copies.map((c) => {
    u8.set(c, at);
    at += c.length;
    return u8.subarray(at - c.length, at);
  });
}

function timeEncode(build, items, count) {
  const encode = build.encode;
  const n = items.length;
  let sink = 0;
  const t0 = process.cpuUsage();
  for (let i = 0, j = 0; i < count; i++) {
    sink += encode(items[j]).length;
    if (++j === n) j = 0;
  }
  const dt = process.cpuUsage(t0);
  if (sink === 0) throw new Error("nothing encoded");
  return ((dt.user + dt.system) * 1e3) / count;
}

function timeDecode(build, views, count, how) {
  const { decode, decodeRange } = build;
  const n = views.length;
  const shared = views[0];
  const bounds = new Int32Array(views.flatMap((v) => [v.byteOffset, v.byteOffset + v.length]));
  const all = new Uint8Array(shared.buffer);
  let sink = 0;
  const t0 = process.cpuUsage();
  if (how === "decode") {
    for (let i = 0, j = 0; i < count; i++) {
      if (decode(views[j]) !== null) sink++;
      if (++j === n) j = 0;
    }
  } else if (how === "view+decode") {
    for (let i = 0, j = 0; i < count; i++) {
      if (decode(all.subarray(bounds[2 * j], bounds[2 * j + 1])) !== null) sink++;
      if (++j === n) j = 0;
    }
  } else {
    for (let i = 0, j = 0; i < count; i++) {
      if (decodeRange(all, bounds[2 * j], bounds[2 * j + 1]) !== null) sink++;
      if (++j === n) j = 0;
    }
  }
  const dt = process.cpuUsage(t0);
  if (sink !== count) throw new Error("bad decode");
  return ((dt.user + dt.system) * 1e3) / count;
}

const RUNS = 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (ns) => (ns >= 10_000 ? (ns / 1000).toFixed(1) + " us" : ns.toFixed(0) + " ns");

const header = ["dataset", "part", ...builds.map((b) => b.name)];
const rows = [];
for (const d of datasets) {
  const views = builds.map((b) => sharedViews(b, d.items));
  // each decodes its own bytes; the encodings are checked against the first build's
  for (const [bi, b] of builds.entries()) {
    for (const [i, v] of views[bi].entries()) {
      const again = b.encode(b.decode(v));
      if (again.length !== v.length || again.some((x, k) => x !== v[k])) throw new Error(`${b.name}: item ${i} does not round-trip`);
    }
  }
  for (const part of ["encode", "decode", "view+decode", "decodeRange"]) {
    const has = builds.map((b) => part !== "decodeRange" || typeof b.decodeRange === "function");
    const time = (bi, count) =>
      part === "encode" ? timeEncode(builds[bi], d.items, count) : timeDecode(builds[bi], views[bi], count, part);
    builds.forEach((_, bi) => has[bi] && time(bi, Math.ceil(d.count / 5))); // warm-up
    const samples = builds.map(() => []);
    for (let r = 0; r < RUNS; r++) builds.forEach((_, bi) => has[bi] && samples[bi].push(time(bi, d.count / 5)));
    const cell = (s, bi) => (has[bi] ? `${fmt(median(s))} [${fmt(Math.min(...s))}-${fmt(Math.max(...s))}]` : "n/a");
    rows.push([d.name, part, ...samples.map(cell)]);
  }
}

console.log(`CPU time per item: median [min-max] of ${RUNS} interleaved runs`);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const r of rows) console.log(line(r));
