// Reference: a minimal hand-written single-producer single-consumer ring of 16-byte records
// on a SharedArrayBuffer, with Atomics.wait/notify: the practical limit for a JavaScript
// cross-thread queue. The producer is this thread, the consumer a worker. Modes:
//   "one"     publish every record on its own (the producer's index per record, the
//             consumer's index per record);
//   "batch"   the producer publishes every `batch` records, the consumer takes all it sees;
//   "counter" "one" plus a shared task counter, the queue's taskDone()/join() in miniature:
//             the producer adds 1 per record, the consumer subtracts 1 per record once it
//             has checked it, and the producer waits for 0 at the end.
// "one" and "counter" may also carry the work the queue's contract cannot skip, per item:
// ceilings for any queue with that contract (not references the issue names):
//   items "array"   the consumer copies each record into a new 16-byte Uint8Array (get() on
//                   the "bytes" codec "returns a new Uint8Array it owns"), and checks that;
//   items "object"  S1's { id, name } objects: the producer encodes each with the queue's
//                   structured codec into a 64-byte slot, the consumer decodes it.
// A side that finds nothing to do raises its "waiting" word to the index it waits for,
// looks again, and only then waits; it lowers the word when it stops waiting. The other
// side, after publishing, notifies only while that word is raised and its index has reached
// it, so it makes no notify while the other side runs. (The queue's own protocol, checked by its model; an earlier version of this
// reference with a one-shot ticket, cleared by the notifier, lost a wake-up about once in
// 2*10^7 records in Node, Deno and Bun alike.) Each index, flag and counter lives on its
// own 64-byte line. Also the ping-pong of S5.

import { decodeStructuredRange, encodeStructured } from "../dist/structured.js";
import { makeObject, RECORD_BYTES, Tally, writeRecord } from "./items.mjs";

// Int32 indexes of the shared words.
const HEAD = 0; // records the consumer has finished with (it may reuse their slots)
const TAIL = 16; // records the producer has published
const CONSUMER_WAITING = 32; // 1: the consumer waits on TAIL
const PRODUCER_WAITING = 48; // 1: the producer waits on HEAD (full ring, or the end)
const TASKS = 64; // "counter" mode: records put and not yet done
const JOIN_WAITING = 80; // 1: the producer waits on TASKS for 0
const RING = 96;
const WORDS = RECORD_BYTES / 4;
const OBJECT_SLOT_WORDS = 16; // items "object": a length word, then up to 60 encoded bytes

/** Int32 words per slot for these items. */
const slotWords = (items) => (items === "object" ? OBJECT_SLOT_WORDS : WORDS);

/** Ring capacity in records (a power of two): the bounded queue's maxsize 1024. */
export const RING_CAPACITY = 1024;

/** Returns i32[index] once it is >= min (> 0), waiting with `flag` raised to `min` when it
 * must: the other side notifies only once the word reaches it, not on every step. */
function waitAtLeast(i32, index, flag, min, timeoutMs) {
  let v = Atomics.load(i32, index);
  if (v >= min) return v;
  Atomics.store(i32, flag, min);
  try {
    for (;;) {
      v = Atomics.load(i32, index); // after raising the flag: a later publish notifies us
      if (v >= min) return v;
      if (Atomics.wait(i32, index, v, timeoutMs) === "timed-out") {
        throw new Error(`ring: word ${index} stayed at ${v} for ${timeoutMs / 1000} s (waiting for ${min})`);
      }
    }
  } finally {
    Atomics.store(i32, flag, 0);
  }
}

/** Stores `value` in i32[index] and wakes the other side if its flag says it waits for
 * that much. */
function publish(i32, index, value, flag) {
  Atomics.store(i32, index, value); // before reading the flag: the waiter's mirror image
  const wanted = Atomics.load(i32, flag);
  if (wanted !== 0 && value >= wanted) Atomics.notify(i32, index);
}

/** Throughput of the ring in `mode` ("one", "batch" or "counter"), carrying `items`
 * ("record", "array" or "object"; objects not batched): `count` of them. */
export async function ringThroughput({ workers: [consumer], count, timeoutMs }, { mode, items = "record", batch = 256 }) {
  const capacity = RING_CAPACITY;
  const mask = capacity - 1;
  const words = slotWords(items);
  const i32 = new Int32Array(new SharedArrayBuffer((RING + capacity * words) * 4));
  const u8 = new Uint8Array(i32.buffer);
  await consumer.start("ring.consumer", { buffer: i32.buffer, count, mode, items, capacity, timeoutMs });
  await consumer.expect("ready", timeoutMs);
  const t0 = performance.now();
  let tail = 0;
  let head = 0; // as last seen: only re-read when the ring looks full
  const counter = mode === "counter";
  const objects = items === "object";
  for (let i = 0; i < count;) {
    // A full ring: wait until a quarter of it is free, not for each slot (one wake-up per
    // record taken would cost the consumer a notify per record).
    if (tail - head === capacity) head = waitAtLeast(i32, HEAD, PRODUCER_WAITING, tail - capacity + (capacity >> 2), timeoutMs);
    if (mode === "batch") {
      const n = Math.min(batch, count - i, capacity - (tail - head));
      for (let k = 0; k < n; k++) writeRecord(i32, RING + ((tail + k) & mask) * WORDS, i + k, 0);
      tail += n;
      i += n;
    } else {
      const at = RING + (tail & mask) * words;
      if (objects) writeEncoded(i32, u8, at, encodeStructured(makeObject(i)));
      else writeRecord(i32, at, i, 0);
      if (counter) Atomics.add(i32, TASKS, 1); // before publishing: the count never goes below 0
      tail++;
      i++;
    }
    publish(i32, TAIL, tail, CONSUMER_WAITING);
  }
  if (counter) {
    Atomics.store(i32, JOIN_WAITING, 1); // the consumer notifies at 0 only while this is up
    for (let tasks; (tasks = Atomics.load(i32, TASKS)) !== 0;) {
      if (Atomics.wait(i32, TASKS, tasks, timeoutMs) === "timed-out") throw new Error(`ring: ${tasks} tasks unfinished for ${timeoutMs / 1000} s`);
    }
  } else {
    waitAtLeast(i32, HEAD, PRODUCER_WAITING, count, timeoutMs);
  }
  const seconds = (performance.now() - t0) / 1000;
  const tally = await consumer.expect("done", timeoutMs);
  return { items: count, seconds, tallies: [tally], expected: { kind: objects ? "object" : "record", counts: [count] } };
}

/** The record in the slot at word `at`, copied into a new array as the queue's get() copies
 * a small record: new Uint8Array(n) keeps its bytes on V8's heap, where slice() on a shared
 * buffer allocates a backing store outside it. */
function copyRecord(u8, at) {
  const record = new Uint8Array(RECORD_BYTES);
  for (let k = 0, o = at * 4; k < RECORD_BYTES; k++) record[k] = u8[o + k];
  return record;
}

/** Writes an encoded item into the slot at word `at`: its length, then its bytes. */
function writeEncoded(i32, u8, at, bytes) {
  if (bytes.length > (OBJECT_SLOT_WORDS - 1) * 4) throw new Error(`ring: an encoded item of ${bytes.length} bytes does not fit a slot`);
  i32[at] = bytes.length;
  u8.set(bytes, (at + 1) * 4);
}

/**
 * Ping-pong: this thread writes a record into the PING slot and bumps PING; the worker
 * copies it into the PONG slot and bumps PONG. Each side waits with Atomics.wait, after
 * spinning up to `spinMicros` (0: no spin), and always notifies (the other side waits on
 * every round). Each round trip in microseconds.
 */
export async function ringPingPong({ workers: [echo], count, timeoutMs }, { spinMicros = 0 }) {
  const i32 = new Int32Array(new SharedArrayBuffer(4 * 64));
  await echo.start("ring.echo", { buffer: i32.buffer, count, spinMicros, timeoutMs });
  await echo.expect("ready", timeoutMs);
  const tally = new Tally();
  const samples = new Float64Array(count);
  for (let i = 1; i <= count; i++) {
    writeRecord(i32, PING_SLOT, i - 1, 0);
    const t0 = performance.now();
    Atomics.store(i32, PING, i);
    Atomics.notify(i32, PING, 1);
    awaitValue(i32, PONG, i, spinMicros, timeoutMs);
    samples[i - 1] = (performance.now() - t0) * 1000;
    tally.addRecordWords(i32, PONG_SLOT);
  }
  await echo.expect("done", timeoutMs);
  return { items: count, samplesUs: samples, tallies: [tally.result()], expected: { kind: "record", counts: [count] } };
}

const PING = 0;
const PONG = 16;
const PING_SLOT = 32;
const PONG_SLOT = 48;

function awaitValue(i32, index, want, spinMicros, timeoutMs) {
  if (spinMicros > 0) {
    const end = performance.now() + spinMicros / 1000;
    while (Atomics.load(i32, index) !== want && performance.now() < end);
  }
  for (;;) {
    const v = Atomics.load(i32, index);
    if (v === want) return;
    if (Atomics.wait(i32, index, v, timeoutMs) === "timed-out") throw new Error(`ring ping-pong: no round ${want} within ${timeoutMs / 1000} s`);
  }
}

// ---- the workers' jobs ------------------------------------------------------------------

export const jobs = {
  "ring.consumer"({ buffer, count, mode, items, capacity, timeoutMs }, ready) {
    const i32 = new Int32Array(buffer);
    const mask = capacity - 1;
    const tally = new Tally();
    const counter = mode === "counter";
    const words = slotWords(items);
    const u8 = new Uint8Array(buffer);
    ready();
    let head = 0;
    let tail = 0; // as last seen: only re-read when everything seen is consumed
    while (head < count) {
      if (head === tail) tail = waitAtLeast(i32, TAIL, CONSUMER_WAITING, head + 1, timeoutMs);
      if (mode === "batch") {
        for (; head < tail; head++) {
          const at = RING + (head & mask) * WORDS;
          if (items === "array") tally.addRecordBytes(copyRecord(u8, at), 0);
          else tally.addRecordWords(i32, at);
        }
        publish(i32, HEAD, head, PRODUCER_WAITING);
      } else {
        const at = RING + (head & mask) * words; // read before the slot is freed
        if (items === "array") {
          tally.addRecordBytes(copyRecord(u8, at), 0);
        } else if (items === "object") {
          tally.addObject(decodeStructuredRange(u8, at * 4 + 4, at * 4 + 4 + i32[at]));
        } else {
          tally.addRecordWords(i32, at);
        }
        head++;
        publish(i32, HEAD, head, PRODUCER_WAITING);
        if (counter && Atomics.sub(i32, TASKS, 1) === 1 && Atomics.load(i32, JOIN_WAITING) !== 0) Atomics.notify(i32, TASKS, 1);
      }
    }
    return tally.result();
  },

  "ring.echo"({ buffer, count, spinMicros, timeoutMs }, ready) {
    const i32 = new Int32Array(buffer);
    ready();
    for (let i = 1; i <= count; i++) {
      awaitValue(i32, PING, i, spinMicros, timeoutMs);
      for (let k = 0; k < WORDS; k++) i32[PONG_SLOT + k] = i32[PING_SLOT + k];
      Atomics.store(i32, PONG, i);
      Atomics.notify(i32, PONG, 1);
    }
    return { echoed: count };
  },
};
