// bench/results/chart.svg from bench/results/latest.json: grouped horizontal bars of
// items/s per scenario (ours and the references, one bar per runtime, log scale), and the
// ping-pong latencies (p50 bar, p99 whisker). Hand-written SVG, no dependency. run.mjs
// calls writeChart after a full run; to redraw from the file alone:
//
//   node bench/chart.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const SECTIONS = [
  { title: "S1: small objects { id, name }, one by one (items/s)", ids: ["s1", "s1.bounded", "pm.object", "python", "ring.one.object", "ring.counter.object"] },
  { title: "S2: 16-byte Uint8Array, one by one (items/s)", ids: ["s2", "s2.bounded", "pm.record", "ring.one", "ring.counter", "python", "ring.one.array", "ring.counter.array"] },
  { title: "S3: batches of 256 (items/s)", ids: ["s3", "s3.bounded", "s3.object", "pm.record.256", "pm.object.256", "ring.batch", "ring.batch.array"] },
  { title: "S4: 2 producers, 2 consumers, 16-byte Uint8Array (items/s)", ids: ["s4"] },
];
const LATENCY = { title: "S5: ping-pong round trip (microseconds, lower is better; bar p50, whisker p99)", ids: ["s5", "s5.spin0", "ring.pingpong", "ring.pingpong.spin", "pm.pingpong"] };

const LABELS = {
  "s1": "queue (maxsize 0)",
  "s1.bounded": "queue (maxsize 1024)",
  "pm.object": "postMessage, 1 per message",
  "python": "Python JoinableQueue (tuples)",
  "s2": "queue, bytes (maxsize 0)",
  "s2.bounded": "queue, bytes (maxsize 1024)",
  "pm.record": "postMessage, 1 per message",
  "ring.one": "raw SAB ring, 1 by 1",
  "ring.counter": "raw SAB ring + task counter",
  "ring.one.object": "ceiling: raw ring + codec",
  "ring.counter.object": "ceiling: raw ring + codec + task counter",
  "ring.one.array": "ceiling: raw ring, new Uint8Array per get",
  "ring.counter.array": "ceiling: the same + task counter",
  "s3": "queue putMany/getMany, bytes (maxsize 0)",
  "s3.bounded": "queue putMany/getMany, bytes (1024)",
  "s3.object": "queue putMany/getMany, objects",
  "pm.record.256": "postMessage, arrays of 256 Uint8Arrays",
  "pm.object.256": "postMessage, arrays of 256 objects",
  "ring.batch": "raw SAB ring, batched",
  "ring.batch.array": "ceiling: the same, new Uint8Array per get",
  "s4": "queue, bytes (maxsize 0)",
  "s5": "queue (default spin)",
  "s5.spin0": "queue (spinMicros 0)",
  "ring.pingpong": "Atomics.wait/notify",
  "ring.pingpong.spin": "Atomics, spin 20 us then wait",
  "pm.pingpong": "postMessage",
};

const COLORS = { node: "#3c873a", deno: "#1f4e99", bun: "#d2691e" };
const RUNTIMES = ["node", "deno", "bun"];

const W = 980;
const LABEL_W = 300;
const BAR_X = LABEL_W + 10;
const BAR_W = W - BAR_X - 90;
const BAR_H = 11;
const ROW_GAP = 6;

const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function fmt(n) {
  if (n >= 1e9) return (n / 1e9).toFixed(2) + "G";
  if (n >= 1e6) return (n / 1e6).toFixed(2) + "M";
  if (n >= 1e3) return (n / 1e3).toFixed(1) + "k";
  if (n >= 10) return n.toFixed(0);
  return n.toFixed(1);
}

/** A log-scale axis over the decades that hold `values`. */
function logAxis(values) {
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  const span = Math.max(1, hi - lo);
  return { lo, hi: lo + span, x: (v) => BAR_X + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / span) * BAR_W };
}

/** A power of ten as a tick label: 0.1, 1, 10, 100, 1k, 10k, ..., 1M, ..., 1G. */
function tick(v) {
  if (v >= 1e9) return `${v / 1e9}G`;
  if (v >= 1e6) return `${v / 1e6}M`;
  if (v >= 1e4) return `${v / 1e3}k`;
  return String(Math.round(v * 10) / 10);
}

function axisLines(axis, top, bottom, unit) {
  let out = "";
  for (let d = axis.lo; d <= axis.hi; d++) {
    const x = axis.x(10 ** d).toFixed(1);
    out += `<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#ddd"/>`;
    out += `<text x="${x}" y="${bottom + 11}" font-size="9" text-anchor="middle" fill="#666">${tick(10 ** d)}${unit}</text>`;
  }
  return out;
}

/** A row's label, level with its bars; our queue's rows in bold. */
function label(id, y, bars) {
  const ours = /^s\d/.test(id);
  return `<text x="${LABEL_W}" y="${y + (bars * BAR_H) / 2 + 4}" font-size="11" text-anchor="end"${ours ? ' font-weight="bold"' : ""}>${esc(LABELS[id] ?? id)}</text>`;
}

/** Renders the chart of `all` (latest.json: { node: {...}, deno: {...}, bun: {...} }). */
/** Pushes onto `out` one bar per runtime for row `id` at height `y`: FAIL for a failed
 * row, else what `draw(row, barY, color)` returns. */
function pushBars(all, present, id, y, out, draw) {
  present.forEach((r, k) => {
    const by = y + k * BAR_H;
    const row = all[r].rows?.[id];
    if (!row) return;
    if (!row.ok) {
      out.push(`<text x="${BAR_X + 2}" y="${by + BAR_H - 1}" font-size="9" fill="#c00">FAIL</text>`);
      return;
    }
    out.push(...draw(row, by, COLORS[r]));
  });
}

/** A bar from the axis to x at height `by`. */
const bar = (by, x, color) => `<rect x="${BAR_X}" y="${by}" width="${(x - BAR_X).toFixed(1)}" height="${BAR_H - 1}" fill="${color}"/>`;

export function renderChart(all) {
  const present = RUNTIMES.filter((r) => all[r]);
  let y = 20;
  let body = "";
  body += `<text x="10" y="${y}" font-size="15" font-weight="bold">joinable-queue benchmark (bench/run.mjs): ours vs references, same run, same machine</text>`;
  y += 18;
  for (const r of present) {
    const e = all[r];
    body += `<rect x="10" y="${y - 9}" width="10" height="10" fill="${COLORS[r]}"/>`;
    body += `<text x="26" y="${y}" font-size="11">${esc(`${r} ${e.runtime.version} (${e.runtime.engine}), commit ${e.commit ?? "?"}${e.dirty ? " (dirty)" : ""}, ${e.date.slice(0, 16).replace("T", " ")} UTC, ${e.machine.cpus} CPUs, load ${e.machine.loadAtStart.join(" ")}`)}</text>`;
    y += 15;
  }
  y += 8;

  const rate = (r, id) => all[r]?.rows?.[id]?.ok ? all[r].rows[id].median : undefined;
  const rateValues = [];
  for (const s of SECTIONS) for (const id of s.ids) for (const r of present) if (rate(r, id)) rateValues.push(rate(r, id));
  if (rateValues.length > 0) {
    const axis = logAxis(rateValues);
    for (const s of SECTIONS) {
      const ids = s.ids.filter((id) => present.some((r) => all[r].rows?.[id]));
      if (ids.length === 0) continue;
      y += 14;
      body += `<text x="10" y="${y}" font-size="12" font-weight="bold">${esc(s.title)}</text>`;
      y += 6;
      const top = y;
      const rowsSvg = [];
      for (const id of ids) {
        const h = present.length * BAR_H + ROW_GAP;
        rowsSvg.push(label(id, y, present.length));
        pushBars(all, present, id, y, rowsSvg, (row, by, color) => {
          const x2 = axis.x(row.median);
          return [
            bar(by, x2, color),
            `<line x1="${axis.x(row.min).toFixed(1)}" y1="${by + BAR_H / 2 - 0.5}" x2="${axis.x(row.max).toFixed(1)}" y2="${by + BAR_H / 2 - 0.5}" stroke="#000" stroke-opacity="0.45"/>`,
            `<text x="${(x2 + 4).toFixed(1)}" y="${by + BAR_H - 1}" font-size="9">${fmt(row.median)}/s</text>`,
          ];
        });
        y += h;
      }
      body += axisLines(axis, top, y, "") + rowsSvg.join("");
      y += 14;
    }
  }

  const lat = (r, id) => all[r]?.rows?.[id]?.ok ? all[r].rows[id] : undefined;
  const latValues = [];
  for (const id of LATENCY.ids) for (const r of present) if (lat(r, id)) latValues.push(lat(r, id).p50Us, lat(r, id).p99Us);
  if (latValues.length > 0) {
    const axis = logAxis(latValues);
    const ids = LATENCY.ids.filter((id) => present.some((r) => all[r].rows?.[id]));
    y += 14;
    body += `<text x="10" y="${y}" font-size="12" font-weight="bold">${esc(LATENCY.title)}</text>`;
    y += 6;
    const top = y;
    const rowsSvg = [];
    for (const id of ids) {
      rowsSvg.push(label(id, y, present.length));
      pushBars(all, present, id, y, rowsSvg, (row, by, color) => {
        const x50 = axis.x(row.p50Us);
        const x99 = axis.x(row.p99Us);
        return [
          bar(by, x50, color),
          `<line x1="${x50.toFixed(1)}" y1="${by + BAR_H / 2 - 0.5}" x2="${x99.toFixed(1)}" y2="${by + BAR_H / 2 - 0.5}" stroke="${color}"/>`,
          `<text x="${(x99 + 4).toFixed(1)}" y="${by + BAR_H - 1}" font-size="9">${row.p50Us.toFixed(1)} / ${row.p99Us.toFixed(1)} us</text>`,
        ];
      });
      y += present.length * BAR_H + ROW_GAP;
    }
    body += axisLines(axis, top, y, " us") + rowsSvg.join("");
    y += 14;
  }
  y += 10;
  body += `<text x="10" y="${y}" font-size="9" fill="#666">Bold: this queue; the rest are references. Bars: median of the timed runs; thin line: min to max. Log scales. Figures and method: bench/README.md, bench/results/latest.json.</text>`;
  y += 8;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y}" viewBox="0 0 ${W} ${y}" font-family="Helvetica, Arial, sans-serif">\n` +
    `<rect width="${W}" height="${y}" fill="#fff"/>\n${body}\n</svg>\n`;
}

export function writeChart(all, path) {
  writeFileSync(path, renderChart(all));
}

const self = fileURLToPath(import.meta.url);
const main = globalThis.process?.argv?.[1];
if (main === self) {
  const dir = fileURLToPath(new URL("./results/", import.meta.url));
  writeChart(JSON.parse(readFileSync(dir + "latest.json", "utf8")), dir + "chart.svg");
  console.log("wrote bench/results/chart.svg");
}
