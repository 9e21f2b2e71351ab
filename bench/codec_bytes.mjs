/**
 * Prints the SHA-256 of the structured codec's encoding of a few mixed values,
 * so that running it in each runtime shows whether they write the same bytes
 * (they must: any thread may decode what another one encoded):
 *
 *   npm run build                                  # once, if dist/ is missing
 *   node bench/codec_bytes.mjs
 *   node_modules/.bin/deno run bench/codec_bytes.mjs
 *   node_modules/.bin/bun bench/codec_bytes.mjs
 *
 * The values avoid what the runtimes' own structuredClone treats differently
 * (an Error's cause, properties of a Map or Set), which the codec follows.
 */
import { encodeStructured } from "../dist/structured.js";

const G = globalThis;
const runtime = G.Deno ? `Deno ${G.Deno.version.deno}` : G.Bun ? `Bun ${G.Bun.version}` : `Node ${G.process?.version}`;

const shared = { s: "shared" };
const cyclic = { name: "cyclic" };
cyclic.self = cyclic;
const values = [
  { id: 7, name: "item7" },
  {
    date: new Date(Date.UTC(2024, 4, 1)),
    map: new Map([[1, "one"], ["two", 2n]]),
    set: new Set([-0, NaN, 2 ** 53]),
    big: 2n ** 70n,
    bytes: new Uint8Array([0, 1, 2, 255]),
    text: "h\u00e9llo \u2603 \ud800 " + "long ascii ".repeat(10),
    holes: [1, , 3],
    pair: [shared, shared],
    cyclic,
    re: /a+b/giu,
  },
];

const parts = values.map((v) => encodeStructured(v).slice());
const all = new Uint8Array(parts.reduce((n, b) => n + b.length, 0));
parts.reduce((at, b) => (all.set(b, at), at + b.length), 0);
const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
console.log(`${runtime}: ${all.length} bytes, sha256 ${hex}`);
