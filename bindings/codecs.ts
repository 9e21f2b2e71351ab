/**
 * Codecs turn items into bytes for the shared ring and back. Four are built in
 * ("structured", "json", "string", "bytes"); any object with a name, encode and decode is
 * a custom codec. Every thread attached to a queue must use the same codec: the handle
 * carries its name and attach() checks it.
 *
 * @module
 */

import { decodeStructured, decodeStructuredRange, encodeStructured } from "./structured.ts";
import { describe, typeError } from "./errors.ts";

/** Turns items into bytes and back; `name` identifies it across threads. */
export interface Codec<T> {
  readonly name: string;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

export type CodecName = "structured" | "json" | "string" | "bytes";

/** A codec as the queue uses it. `decodeRange` decodes `u8[start, end)`, a view of the
 * shared memory: the built-in codecs read it in place (they copy what they keep); a user's
 * codec is given a private copy, never shared memory. */
export interface QueueCodec<T> extends Codec<T> {
  decodeRange(u8: Uint8Array, start: number, end: number): T;
}

/**
 * The 32-bit FNV-1a hash of a codec's name, which the queue's memory keeps, so that
 * attach() can tell a handle whose codec name was changed, or whose memory belongs to
 * a queue of another codec, from a real one.
 */
export function codecTag(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();

const structured: QueueCodec<unknown> = {
  name: "structured",
  encode: (value) => encodeStructured(value),
  decode: (bytes) => decodeStructured(bytes),
  decodeRange: (u8, start, end) => decodeStructuredRange(u8, start, end), // no view per item
};

const json: QueueCodec<unknown> = {
  name: "json",
  encode(value) {
    const text = JSON.stringify(value); // throws TypeError itself for a bigint or a cycle
    if (text === undefined) {
      throw new TypeError(`json codec: ${describe(value)} has no JSON text; expected a JSON-serializable value`);
    }
    return utf8Encoder.encode(text);
  },
  decode: (bytes) => JSON.parse(utf8Decoder.decode(bytes)),
  decodeRange: (u8, start, end) => JSON.parse(utf8Decoder.decode(u8.subarray(start, end))),
};

const string: QueueCodec<string> = {
  name: "string",
  encode(value) {
    if (typeof value !== "string") throw typeError("string codec", "the item", "a string", value);
    return utf8Encoder.encode(value);
  },
  decode: (bytes) => utf8Decoder.decode(bytes),
  decodeRange: (u8, start, end) => utf8Decoder.decode(u8.subarray(start, end)),
};

const bytes: QueueCodec<Uint8Array> = {
  name: "bytes",
  encode(value) {
    if (!(value instanceof Uint8Array)) {
      throw typeError("bytes codec", "the item", "a Uint8Array", value);
    }
    return value;
  },
  decode: (view) => view.slice(), // a new array the caller owns
  decodeRange: copyRange,
};

/**
 * A new Uint8Array holding u8[start, end). Small ones are copied by a loop into a fresh
 * array: slice() of a view of shared memory was measured at 58 ns against 63 in Node, 40
 * against 14 in Bun and 650 against 350 in Deno (16 bytes; bench/README.md). From about 64
 * bytes on, slice()'s bulk copy wins everywhere.
 */
function copyRange(u8: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  if (n > SMALL_COPY) return u8.slice(start, end);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = u8[start + i];
  return out;
}
const SMALL_COPY = 32;

const builtIn: Record<CodecName, QueueCodec<unknown>> = {
  structured,
  json,
  string: string as QueueCodec<unknown>,
  bytes: bytes as QueueCodec<unknown>,
};

export const codecNames = Object.keys(builtIn) as CodecName[];

export function isCodecName(name: unknown): name is CodecName {
  return typeof name === "string" && Object.hasOwn(builtIn, name);
}

export function builtInCodec(name: CodecName): QueueCodec<unknown> {
  return builtIn[name];
}

/** Checks a user's codec object and wraps it so it never sees shared memory. */
export function customCodec<T>(method: string, argument: string, codec: unknown): QueueCodec<T> {
  const c = codec as Partial<Codec<T>> | null;
  if (c === null || typeof c !== "object" || typeof c.name !== "string" ||
      typeof c.encode !== "function" || typeof c.decode !== "function") {
    throw typeError(method, argument,
      `one of ${codecNames.map((n) => `"${n}"`).join(", ")} or a codec object { name: string, encode(value), decode(bytes) }`,
      codec);
  }
  const user = c as Codec<T>;
  return {
    name: user.name,
    encode(value) {
      const out = user.encode(value);
      if (!(out instanceof Uint8Array)) {
        throw typeError(`codec "${user.name}"`, "encode()'s result", "a Uint8Array", out);
      }
      return out;
    },
    decode: (view) => user.decode(view),
    decodeRange: (u8, start, end) => user.decode(u8.slice(start, end)),
  };
}

/** The codec for a constructor's `codec` option. */
export function resolveCodec<T>(method: string, codec: unknown): QueueCodec<T> {
  if (codec === undefined) return builtIn.structured as QueueCodec<T>;
  if (typeof codec === "string") {
    if (isCodecName(codec)) return builtIn[codec] as QueueCodec<T>;
    throw typeError(method, "options.codec",
      `one of ${codecNames.map((n) => `"${n}"`).join(", ")} or a codec object`, codec);
  }
  return customCodec<T>(method, "options.codec", codec);
}

