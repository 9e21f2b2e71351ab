// The stress test's items: every property of an item (its size, every byte of its payload)
// is a pure function of (run seed, phase, producer, seq), so a consumer can check that what
// it got is exactly what was put: nothing half-written, truncated, mixed with another
// item, or delivered under the wrong identity.
//
// Sizes (payload bytes, drawn per item from a hash of its identity):
//   1 in 2000          exactly 1 MiB (the queue's storage must grow while others read)
//   otherwise 70 %     0 .. 64 B, uniform
//             25 %     64 B .. 4 KiB, log-uniform
//              5 %     4 KiB .. 64 KiB, log-uniform
// Mean about 1.9 KiB per item.
//
// Two shapes, one per codec:
//   "bytes":      a Uint8Array of 8 + size bytes: u32 MAGIC | producer, u32 seq, payload
//   "structured": { p: producer, s: seq, data: Uint8Array(size) }

export const BIG_ITEM_BYTES = 1 << 20;
export const BIG_ITEM_ODDS = 2000;
export const SIZE_DISTRIBUTION =
  "payload 0-64 B (70 %), 64 B-4 KiB log-uniform (25 %), 4-64 KiB log-uniform (5 %), and 1 in 2000 items 1 MiB";

const MAGIC = 0x5a17_0000;
const HEADER_BYTES = 8;

/** murmur3's 32-bit finalizer: a cheap bijective mix. */
export function mix32(x) {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85eb_ca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2_ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The 32-bit key every property of item (producer, seq) of a phase derives from. */
export function itemKey(phaseSeed, producer, seq) {
  return mix32((mix32(phaseSeed ^ Math.imul(producer + 1, 0x9e37_79b1)) + seq) | 0);
}

function logUniform(low, high, r) {
  return Math.min(high, Math.floor(low * Math.exp(Math.log(high / low) * (r / 4294967296))));
}

/** The payload size of the item with this key (see the table at the top). */
export function payloadSize(key) {
  if (key % BIG_ITEM_ODDS === 0) return BIG_ITEM_BYTES;
  const r1 = mix32(key ^ 0x1234_5678);
  const r2 = mix32(r1);
  const bucket = r1 % 100;
  if (bucket < 70) return r2 % 65;
  if (bucket < 95) return logUniform(64, 4096, r2);
  return logUniform(4096, 65536, r2);
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The payload's j-th 32-bit word (little-endian): depends on the key and the position. */
const word = (key, j) => Math.imul(key ^ j, 0x2c1b_3c6d) ^ (j >>> 5);

/** Fills `u8` with the payload of `key`. */
function fill(u8, key) {
  const n = u8.length;
  const words = n >>> 2;
  if (littleEndian && u8.byteOffset % 4 === 0) {
    const u32 = new Uint32Array(u8.buffer, u8.byteOffset, words);
    for (let j = 0; j < words; j++) u32[j] = word(key, j);
  } else {
    for (let i = 0; i < words * 4; i++) u8[i] = word(key, i >>> 2) >>> ((i & 3) * 8);
  }
  for (let i = words * 4; i < n; i++) u8[i] = word(key, i >>> 2) >>> ((i & 3) * 8);
}

/** The index of the first byte of `u8` that is not the payload of `key`, or -1. */
function firstBadByte(u8, key) {
  const n = u8.length;
  const words = n >>> 2;
  if (littleEndian && u8.byteOffset % 4 === 0) {
    const u32 = new Uint32Array(u8.buffer, u8.byteOffset, words);
    for (let j = 0; j < words; j++) {
      if (u32[j] !== word(key, j) >>> 0) {
        for (let i = j * 4; ; i++) if (u8[i] !== ((word(key, i >>> 2) >>> ((i & 3) * 8)) & 255)) return i;
      }
    }
  } else {
    for (let i = 0; i < words * 4; i++) if (u8[i] !== ((word(key, i >>> 2) >>> ((i & 3) * 8)) & 255)) return i;
  }
  for (let i = words * 4; i < n; i++) if (u8[i] !== ((word(key, i >>> 2) >>> ((i & 3) * 8)) & 255)) return i;
  return -1;
}

/** Builds item (producer, seq) of a phase in the shape of `codec`; returns it and its payload size. */
export function makeItem(codec, phaseSeed, producer, seq) {
  const key = itemKey(phaseSeed, producer, seq);
  const size = payloadSize(key);
  if (codec === "bytes") {
    const u8 = new Uint8Array(HEADER_BYTES + size);
    const head = new DataView(u8.buffer);
    head.setUint32(0, (MAGIC | producer) >>> 0, true);
    head.setUint32(4, seq, true);
    fill(u8.subarray(HEADER_BYTES), key);
    return { item: u8, size };
  }
  const data = new Uint8Array(size);
  fill(data, key);
  return { item: { p: producer, s: seq, data }, size };
}

/**
 * Checks an item got from the queue: its shape, its identity (a producer below
 * `producers`, a seq below that producer's count) and every byte of its payload.
 * Returns { producer, seq, size }; throws an Error that says what is wrong.
 */
export function checkItem(codec, phaseSeed, counts, item) {
  let producer;
  let seq;
  let payload;
  if (codec === "bytes") {
    if (!(item instanceof Uint8Array)) throw new Error(`got a ${describe(item)}, not a Uint8Array`);
    if (item.length < HEADER_BYTES) throw new Error(`got ${item.length} bytes, fewer than the ${HEADER_BYTES}-byte header`);
    const head = new DataView(item.buffer, item.byteOffset, HEADER_BYTES);
    const first = head.getUint32(0, true);
    if ((first & 0xffff_0000) >>> 0 !== MAGIC) throw new Error(`bad magic in header word 0x${first.toString(16)}`);
    producer = first & 0xffff;
    seq = head.getUint32(4, true);
    payload = item.subarray(HEADER_BYTES);
  } else {
    if (item === null || typeof item !== "object") throw new Error(`got ${describe(item)}, not an object`);
    producer = item.p;
    seq = item.s;
    payload = item.data;
    if (!(payload instanceof Uint8Array)) throw new Error(`item.data is a ${describe(payload)}, not a Uint8Array`);
  }
  if (!Number.isInteger(producer) || producer < 0 || producer >= counts.length) {
    throw new Error(`got an item of producer ${producer}, but there are ${counts.length}`);
  }
  if (!Number.isInteger(seq) || seq < 0 || seq >= counts[producer]) {
    throw new Error(`got producer ${producer}'s seq ${seq}, but it puts ${counts[producer]} items`);
  }
  const key = itemKey(phaseSeed, producer, seq);
  const size = payloadSize(key);
  if (payload.length !== size) {
    throw new Error(`producer ${producer}'s item ${seq} has ${payload.length} payload bytes, expected ${size}`);
  }
  const bad = firstBadByte(payload, key);
  if (bad >= 0) throw new Error(`producer ${producer}'s item ${seq} (${size} bytes) differs at payload byte ${bad}`);
  return { producer, seq, size };
}

function describe(value) {
  if (value === null) return "null";
  if (typeof value !== "object") return `${typeof value} ${String(value).slice(0, 40)}`;
  return value.constructor?.name ?? "object";
}
