// The items every scenario and reference moves, and how their consumers check them.
//
// A record is four int32 words (16 bytes, little-endian where they are bytes):
//   [0] its sequence number within its producer's stream (0, 1, 2, ...)
//   [1] the producer's number
//   [2] ~seq
//   [3] seq * golden ratio ^ producer
// A small object is { id: seq, name: "item" + seq } (the shape).
//
// A consumer keeps a Tally: how many items, the sum of their hashes (a checksum that does
// not depend on which consumer got which item) and whether each producer's sequence numbers
// arrived in order. The main thread compares it with expectedTally(): a lost, repeated,
// reordered or damaged item shows as a wrong count, order or sum.

export const RECORD_BYTES = 16;

/** Writes record (seq, producer) into i32[at .. at + 3]. */
export function writeRecord(i32, at, seq, producer) {
  i32[at] = seq;
  i32[at + 1] = producer;
  i32[at + 2] = ~seq;
  i32[at + 3] = Math.imul(seq, 0x9e3779b1) ^ producer;
}

/** A 32-bit FNV-1a-style hash of four words. */
export function hash4(a, b, c, d) {
  let h = Math.imul(0x811c9dc5 ^ a, 0x01000193);
  h = Math.imul(h ^ b, 0x01000193);
  h = Math.imul(h ^ c, 0x01000193);
  return Math.imul(h ^ d, 0x01000193);
}

/** The little-endian int32 at byte `o` of `b`. */
export function wordAt(b, o) {
  return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
}

/** A small object as the issue describes it. */
export function makeObject(seq) {
  return { id: seq, name: "item" + seq };
}

/** Hands `count` items (`items`: "object" or "record"), numbered from 0, to `send` in
 * lists of `batch` (the last may be shorter), as S3's producer and postMessage's arrays of
 * 256 both need. The list and its records are reused for the next batch: `send` must copy
 * them (putMany and postMessage do). */
export function sendInBatches(items, count, batch, producer, send) {
  const pool = Array.from({ length: batch }, () => new Uint8Array(RECORD_BYTES));
  const views = pool.map((u8) => new Int32Array(u8.buffer));
  let list = items === "object" ? new Array(batch) : pool;
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    if (n < batch) list = list.slice(0, n);
    for (let k = 0; k < n; k++) {
      if (items === "object") list[k] = makeObject(i + k);
      else writeRecord(views[k], 0, i + k, producer);
    }
    send(list);
  }
}

/** What a consumer counts. */
export class Tally {
  constructor(producers = 1, strict = true) {
    this.count = 0;
    this.sum = 0;
    this.outOfOrder = 0;
    this.firstProblem = "";
    // strict: exactly the next number (one producer, one consumer); otherwise only rising
    // (a consumer of several sees each producer's numbers with gaps, taken by the other).
    this.strict = strict;
    this.next = new Array(producers).fill(0);
  }

  add(seq, producer, hash) {
    this.count++;
    this.sum = (this.sum + hash) | 0;
    const want = this.next[producer];
    if (want === undefined || (this.strict ? seq !== want : seq < want)) {
      if (this.outOfOrder++ === 0) this.firstProblem = `item ${seq} of producer ${producer} where ${want ?? "no producer"} was due`;
      if (want === undefined) return;
    }
    this.next[producer] = seq + 1; // after a problem too: one misplaced item counts once or twice, not for the rest
  }

  /** Checks record bytes b[o .. o + 15] and counts them. */
  addRecordBytes(b, o) {
    const w0 = wordAt(b, o);
    const w1 = wordAt(b, o + 4);
    this.add(w0, w1, hash4(w0, w1, wordAt(b, o + 8), wordAt(b, o + 12)));
  }

  /** Checks record words i32[at .. at + 3] and counts them. */
  addRecordWords(i32, at) {
    const w0 = i32[at];
    const w1 = i32[at + 1];
    this.add(w0, w1, hash4(w0, w1, i32[at + 2], i32[at + 3]));
  }

  addObject(v) {
    const name = v.name;
    this.add(v.id, 0, hash4(v.id, 0, name.length, name.charCodeAt(name.length - 1)));
  }

  /** Plain data for postMessage. */
  result() {
    return { count: this.count, sum: this.sum, outOfOrder: this.outOfOrder, firstProblem: this.firstProblem };
  }
}

/** The tally a consumer of `counts[p]` items from each producer p must end with. */
export function expectedTally(kind, counts) {
  const scratch = new Int32Array(4);
  let count = 0;
  let sum = 0;
  counts.forEach((n, p) => {
    for (let seq = 0; seq < n; seq++) {
      if (kind === "object") {
        const name = "item" + seq;
        sum = (sum + hash4(seq, 0, name.length, name.charCodeAt(name.length - 1))) | 0;
      } else {
        writeRecord(scratch, 0, seq, p);
        sum = (sum + hash4(scratch[0], scratch[1], scratch[2], scratch[3])) | 0;
      }
    }
    count += n;
  });
  return { count, sum };
}

/** Adds up consumers' tallies. */
export function mergeTallies(results) {
  const out = { count: 0, sum: 0, outOfOrder: 0, firstProblem: "" };
  for (const r of results) {
    out.count += r.count;
    out.sum = (out.sum + r.sum) | 0;
    out.outOfOrder += r.outOfOrder;
    out.firstProblem ||= r.firstProblem;
  }
  return out;
}

/** Undefined if `got` (a merged tally) is what was expected, else what is wrong. */
export function tallyProblem(got, expected) {
  if (got.count !== expected.count) return `${got.count} items arrived, expected ${expected.count}`;
  if (got.outOfOrder !== 0) return `${got.outOfOrder} items out of order (first: ${got.firstProblem})`;
  if (got.sum !== expected.sum) return `checksum ${got.sum >>> 0}, expected ${expected.sum >>> 0}`;
  return undefined;
}
