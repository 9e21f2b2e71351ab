// The torture test's items: every byte is a function of (producer, seq, length), so a
// consumer can tell a whole item from a torn, stale or mixed-up one without any shared
// record of what was sent.
//
// Layout of the payload: u32 producer, u32 seq, u32 length, then pseudo-random words from a
// xorshift32 seeded by those three (the last word cut to the length). With the "bytes"
// codec the item is the payload; with "structured" it is { producer, seq, payload }.

const HEADER = 12;

function seedOf(producer, seq, length) {
  let s = (Math.imul(producer + 1, 0x9e3779b1) ^ Math.imul(seq + 1, 0x85ebca77) ^ Math.imul(length, 0xc2b2ae3d)) | 0;
  return s === 0 ? 0x6d2b79f5 : s;
}

/** Fills `bytes` (a whole payload) for (producer, seq). */
function fill(bytes, producer, seq) {
  const length = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  view.setUint32(0, producer, true);
  view.setUint32(4, seq, true);
  view.setUint32(8, length, true);
  let s = seedOf(producer, seq, length);
  let at = HEADER;
  for (; at + 4 <= length; at += 4) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    view.setInt32(at, s, true);
  }
  s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
  for (let k = 0; at < length; at++, k++) bytes[at] = s >>> (8 * k);
}

/** The first offset where `bytes` differs from the payload of (producer, seq), or -1. */
function firstDifference(bytes, producer, seq) {
  const length = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  if (view.getUint32(0, true) !== producer) return 0;
  if (view.getUint32(4, true) !== seq) return 4;
  if (view.getUint32(8, true) !== length) return 8;
  let s = seedOf(producer, seq, length);
  let at = HEADER;
  for (; at + 4 <= length; at += 4) {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    if (view.getInt32(at, true) !== s) return at;
  }
  s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
  for (let k = 0; at < length; at++, k++) if (bytes[at] !== ((s >>> (8 * k)) & 0xff)) return at;
  return -1;
}

/** The item `producer` puts as number `seq`, `length` payload bytes (at least 12). */
export function makeItem(codec, producer, seq, length) {
  const payload = new Uint8Array(Math.max(HEADER, length));
  fill(payload, producer, seq);
  return codec === "bytes" ? payload : { producer, seq, payload };
}

/** The payload inside an item made by makeItem (for fault injection). */
export const payloadOf = (codec, item) => (codec === "bytes" ? item : item.payload);

/**
 * Checks an item got from the queue: returns { producer, seq, bytes } when every byte is
 * what makeItem wrote, else { error } saying what is wrong.
 */
export function checkItem(codec, item) {
  let payload = item;
  if (codec !== "bytes") {
    if (item === null || typeof item !== "object" || !(item.payload instanceof Uint8Array)) {
      return { error: `not an item object: ${describe(item)}` };
    }
    payload = item.payload;
  }
  if (!(payload instanceof Uint8Array) || payload.length < HEADER) {
    return { error: `not a payload of at least ${HEADER} bytes: ${describe(payload)}` };
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.length);
  const producer = view.getUint32(0, true);
  const seq = view.getUint32(4, true);
  if (codec !== "bytes" && (item.producer !== producer || item.seq !== seq)) {
    return { error: `item says ${item.producer}:${item.seq}, its payload ${producer}:${seq}` };
  }
  const at = firstDifference(payload, producer, seq);
  if (at >= 0) {
    return { error: `item ${producer}:${seq} (${payload.length} bytes) differs from what was put at byte ${at}` };
  }
  return { producer, seq, bytes: payload.length };
}

function describe(value) {
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  try {
    return JSON.stringify(value)?.slice(0, 80) ?? String(value);
  } catch {
    return String(value);
  }
}
