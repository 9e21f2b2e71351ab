/**
 * Micro-benchmark of the structured codec against node:v8 serialize /
 * deserialize (where importable) and JSON, encode + decode round trips.
 *
 *   node_modules/.bin/bun bench/codec.ts
 *   node_modules/.bin/deno run bench/codec.ts
 *
 * Prints items/s (median of 5 runs, after a warm-up run) for
 *   (a) small objects { id: i, name: "item" + i }
 *   (b) a ~1 KiB nested object
 *   (c) a 64 KiB Uint8Array
 * "JSON+UTF-8" adds TextEncoder/TextDecoder, since a queue moves bytes, not
 * strings. JSON cannot represent a Uint8Array: for (c) it round-trips
 * Array.from(u8) and rebuilds the Uint8Array.
 */
import { decodeStructured, encodeStructured } from "../bindings/structured.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const G: Any = globalThis;

const runtime = G.Deno ? `Deno ${G.Deno.version.deno}` : G.Bun ? `Bun ${G.Bun.version}` : `Node ${G.process?.version}`;

let v8: { serialize(v: unknown): Uint8Array; deserialize(b: Uint8Array): unknown } | undefined;
try {
  const specifier = "node:v8"; // not a literal: type checkers need no node types
  v8 = (await import(specifier)) as Any;
  if (typeof v8?.serialize !== "function") v8 = undefined;
} catch {
  v8 = undefined;
}

const te = new TextEncoder();
const td = new TextDecoder();

type Codec = { name: string; roundTrip: (v: unknown) => unknown };

const codecs: Codec[] = [
  { name: "structured (ours)", roundTrip: (v) => decodeStructured(encodeStructured(v)) },
];
if (v8) {
  const { serialize, deserialize } = v8;
  codecs.push({ name: "node:v8", roundTrip: (v) => deserialize(serialize(v)) });
}
codecs.push({ name: "JSON", roundTrip: (v) => JSON.parse(JSON.stringify(v)) });
codecs.push({ name: "JSON+UTF-8", roundTrip: (v) => JSON.parse(td.decode(te.encode(JSON.stringify(v)))) });
codecs.push({ name: "structuredClone (ref)", roundTrip: (v) => structuredClone(v) });

function nested1k(seed: number): unknown {
  return {
    id: seed,
    type: "order",
    createdAt: "2024-05-01T12:00:00.000Z",
    customer: { id: seed * 7, name: "Customer " + seed, email: `c${seed}@example.com`, vip: seed % 3 === 0 },
    items: Array.from({ length: 6 }, (_, i) => ({
      sku: "SKU-" + (seed + i),
      qty: i + 1,
      price: 9.99 + i,
      tags: ["red", "large"],
    })),
    address: { street: "1 Main Street", city: "Springfield", zip: "12345", country: "US" },
    notes: "Please leave the parcel at the door. Thanks!",
    history: Array.from({ length: 4 }, (_, i) => ({ at: 1714564800000 + i * 3600_000, status: ["new", "paid", "packed", "sent"][i], by: "system" })),
    totals: { net: 123.45, tax: 20.5, gross: 143.95 },
  };
}

type Dataset = {
  name: string;
  items: unknown[];
  count: number;
  adapt?: Record<string, (c: Codec) => Codec>;
};

const smallItems = Array.from({ length: 1000 }, (_, i) => ({ id: i, name: "item" + i }));
const nestedItems = Array.from({ length: 100 }, (_, i) => nested1k(i));
const blob = new Uint8Array(64 * 1024).map((_, i) => (i * 31) & 255);

const jsonBytes: (c: Codec) => Codec = (c) => ({
  name: c.name,
  roundTrip: (v) => new Uint8Array(c.roundTrip(Array.from(v as Uint8Array)) as number[]),
});

const datasets: Dataset[] = [
  { name: "(a) small object", items: smallItems, count: 200_000 },
  { name: `(b) ${te.encode(JSON.stringify(nestedItems[0])).length} B nested object`, items: nestedItems, count: 20_000 },
  { name: "(c) 64 KiB Uint8Array", items: [blob], count: 2_000, adapt: { JSON: jsonBytes, "JSON+UTF-8": jsonBytes } },
];

function timeRun(c: Codec, items: unknown[], count: number): number {
  let sink = 0;
  const n = items.length;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const out = c.roundTrip(items[i % n]);
    if (out !== null) sink++;
  }
  const dt = performance.now() - t0;
  if (sink !== count) throw new Error("bad round trip");
  return count / (dt / 1000);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function fmt(n: number): string {
  if (n >= 1e6) return (n / 1e6).toFixed(2) + " M/s";
  if (n >= 1e3) return (n / 1e3).toFixed(1) + " k/s";
  return n.toFixed(0) + " /s";
}

console.log(`codec round trip (encode + decode), items/s, median of 5 runs — ${runtime}`);
const header = ["dataset", ...codecs.map((c) => c.name)];
const rows: string[][] = [];
for (const d of datasets) {
  const row = [d.name];
  for (const base of codecs) {
    const c = d.adapt?.[base.name]?.(base) ?? base;
    const count = c.name.startsWith("JSON") && d.adapt ? Math.ceil(d.count / 20) : d.count;
    timeRun(c, d.items, Math.ceil(count / 5)); // warm-up
    const runs: number[] = [];
    for (let r = 0; r < 5; r++) runs.push(timeRun(c, d.items, count));
    row.push(fmt(median(runs)));
  }
  rows.push(row);
}
const sizes = ["encoded bytes"];
for (const c of codecs) {
  if (c.name === "structured (ours)") sizes.push(datasets.map((d) => encodeStructured(d.items[0]).length).join(" / "));
  else if (c.name === "node:v8") sizes.push(datasets.map((d) => v8!.serialize(d.items[0]).length).join(" / "));
  else if (c.name === "JSON+UTF-8") {
    sizes.push(
      datasets
        .map((d) => te.encode(JSON.stringify(d.adapt ? Array.from(d.items[0] as Uint8Array) : d.items[0])).length)
        .join(" / "),
    );
  } else sizes.push("");
}
rows.push(sizes);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const r of rows) console.log(line(r));
