/**
 * A pure-JavaScript serializer with the semantics of `structuredClone`.
 *
 * `decodeStructured(encodeStructured(v))` yields the same value that
 * `structuredClone(v)` yields in the running runtime, for every value that
 * `structuredClone` can copy without a host or a transfer list: primitives
 * (including -0, NaN, bigint and strings with lone surrogates), boxed
 * primitives, Date, RegExp, Error and its standard subtypes, ArrayBuffer
 * (including resizable ones), every TypedArray and DataView, Map, Set,
 * arrays (holes, extra properties and length kept), plain objects and class
 * instances (own enumerable string keys, getters invoked), with shared and
 * cyclic references preserved.
 *
 * What `structuredClone` rejects throws a `DataCloneError`, and so do values
 * that cannot be copied into bytes: SharedArrayBuffer (directly or as the
 * buffer of a view), WebAssembly.Memory / WebAssembly.Module, MessagePort and
 * other platform objects.
 *
 * No dependencies and no `node:` imports: runs in Node, Deno, Bun, browsers
 * and edge runtimes.
 *
 * Known limits of a pure-JS implementation (documented, not emulated):
 * - A Proxy cannot be detected from JavaScript; `structuredClone` rejects
 *   proxies, this codec copies what the proxy exposes.
 * - Platform objects are recognised by their `Symbol.toStringTag` being a data
 *   property (as Web IDL and the built-ins define it). A user class whose
 *   prototype defines `Symbol.toStringTag` as a data property (instead of the
 *   usual getter) is rejected, where `structuredClone` would copy it as a
 *   plain object.
 * - Engines differ (the codec probes the local `structuredClone` once, at
 *   import, and follows it): V8 (Node, Deno) keeps an Error's `cause` and
 *   gives the copy an own `stack` that is undefined when the original's was
 *   not a string; Bun drops `cause`, leaves no own `stack` in that case, and
 *   also copies non-enumerable array indices and the own enumerable
 *   properties of Map and Set objects.
 * - A resizable ArrayBuffer's maxByteLength is capped at 4 GiB when decoding.
 *
 * Binary format (all multi-byte numbers little-endian; "varint" = unsigned
 * LEB128 up to 2^53-1; "string" = one of the string tags below):
 *
 *   message    := header value
 *   header     := 0x01 (the value may hold back-references)
 *               | 0x02 (it holds none: the decoder keeps no table of objects)
 *   0x01 undefined   0x02 null   0x03 false   0x04 true
 *   0x05 int32 (4 bytes)          0x06 float64 (8 bytes)
 *   0x07 bigint64 (8 bytes)       0x08 big bigint: sign byte, varint n, n magnitude bytes
 *   0x09 latin1 string: varint n, n bytes (one byte per UTF-16 code unit < 256)
 *   0x0A ascii string:  varint n, n bytes (all < 0x80)
 *   0x0B utf16 string:  varint n, 2n bytes (raw UTF-16 code units, lone surrogates kept)
 *   0x20+n (n < 32)     latin1 string of n bytes
 *   0x80+n (n < 128)    the integer n
 *   0x0C hole (only as a dense-array element)
 *   0x0D back-reference: varint object id (objects are numbered in order of first appearance)
 *   0x0E object:       (string value)* 0x00
 *   0x0F dense array:  varint length, length values (or holes), (string value)* 0x00
 *   0x10 sparse array: varint length, (string value)* 0x00
 *   0x11 Date: float64      0x12 RegExp: string source, string flags
 *   0x13 Map: varint n, n (key value) pairs, (string value)* 0x00
 *   0x14 Set: varint n, n values, (string value)* 0x00
 *        (the properties of a Map or Set are only written where the local
 *        structuredClone keeps them, i.e. in Bun)
 *   0x15 Error: byte kind (0 Error, 1 Eval, 2 Range, 3 Reference, 4 Syntax,
 *        5 Type, 6 URI), byte flags (1 message, 2 stack, 4 cause),
 *        [string message] [string stack] [value cause]
 *   0x16 ArrayBuffer: varint n, n bytes
 *   0x17 resizable ArrayBuffer: varint n, varint maxByteLength, n bytes
 *   0x18 view: byte kind (0..11 typed arrays, 12 DataView), byte flags
 *        (1 = length-tracking), varint byteOffset, varint length (elements;
 *        bytes for DataView), then its buffer (0x16, 0x17 or 0x0D)
 *   0x19 Number object: float64   0x1A String object: string
 *   0x1B Boolean object true      0x1C Boolean object false
 *   0x1D BigInt object: bigint value (0x07 or 0x08)
 */

// ---------------------------------------------------------------------------
// Tags

const HEADER_REFS = 0x01;
const HEADER_NO_REFS = 0x02;
const T_END = 0x00;
const T_UNDEFINED = 0x01;
const T_NULL = 0x02;
const T_FALSE = 0x03;
const T_TRUE = 0x04;
const T_INT32 = 0x05;
const T_FLOAT64 = 0x06;
const T_BIGINT64 = 0x07;
const T_BIGINT_BIG = 0x08;
const T_LATIN1 = 0x09;
const T_ASCII = 0x0a;
const T_UTF16 = 0x0b;
const T_HOLE = 0x0c;
const T_BACKREF = 0x0d;
const T_OBJECT = 0x0e;
const T_ARRAY_DENSE = 0x0f;
const T_ARRAY_SPARSE = 0x10;
const T_DATE = 0x11;
const T_REGEXP = 0x12;
const T_MAP = 0x13;
const T_SET = 0x14;
const T_ERROR = 0x15;
const T_ARRAYBUFFER = 0x16;
const T_RESIZABLE_ARRAYBUFFER = 0x17;
const T_VIEW = 0x18;
const T_NUMBER_OBJECT = 0x19;
const T_STRING_OBJECT = 0x1a;
const T_TRUE_OBJECT = 0x1b;
const T_FALSE_OBJECT = 0x1c;
const T_BIGINT_OBJECT = 0x1d;
const T_FIXSTR = 0x20; // 0x20..0x3f
const FIXSTR_MAX = 31;
const T_FIXINT = 0x80; // 0x80..0xff

const ERR_HAS_MESSAGE = 1;
const ERR_HAS_STACK = 2;
const ERR_HAS_CAUSE = 4;
const VIEW_LENGTH_TRACKING = 1;
const DATAVIEW_KIND = 12;

// ---------------------------------------------------------------------------
// Intrinsics, captured once (brand checks read internal slots, so they work
// across realms and are not fooled by subclasses or Symbol.toStringTag).

type AnyFn = (this: unknown, ...args: unknown[]) => unknown;
// deno-lint-ignore no-explicit-any
type Any = any;

const G: Any = globalThis;
const ObjectProto = Object.prototype;
const objToString = ObjectProto.toString;
const hasOwn = Object.prototype.hasOwnProperty;
const objectKeys = Object.keys;
const getProto = Object.getPrototypeOf;
const getOwnDesc = Object.getOwnPropertyDescriptor;
const defineProp = Object.defineProperty;
const fromCharCode = String.fromCharCode;
const isArray = Array.isArray;
const isView = ArrayBuffer.isView;

function getter(proto: object | null | undefined, name: PropertyKey): AnyFn | undefined {
  if (proto == null) return undefined;
  const d = getOwnDesc(proto, name);
  return d && typeof d.get === "function" ? (d.get as AnyFn) : undefined;
}

const TypedArrayProto: object = getProto(Uint8Array.prototype);
const taTagGetter = getter(TypedArrayProto, Symbol.toStringTag)!;
const taBuffer = getter(TypedArrayProto, "buffer")!;
const taByteOffset = getter(TypedArrayProto, "byteOffset")!;
const taByteLength = getter(TypedArrayProto, "byteLength")!;
const taLength = getter(TypedArrayProto, "length")!;
const taAt = (TypedArrayProto as Any).at as AnyFn | undefined;
const dvBuffer = getter(DataView.prototype, "buffer")!;
const dvByteOffset = getter(DataView.prototype, "byteOffset")!;
const dvByteLength = getter(DataView.prototype, "byteLength")!;
const abByteLength = getter(ArrayBuffer.prototype, "byteLength")!;
const abMaxByteLength = getter(ArrayBuffer.prototype, "maxByteLength");
const abResizable = getter(ArrayBuffer.prototype, "resizable");
const abDetached = getter(ArrayBuffer.prototype, "detached");
const abResize = (ArrayBuffer.prototype as Any).resize as AnyFn | undefined;
const sabByteLength =
  typeof G.SharedArrayBuffer === "function" ? getter(G.SharedArrayBuffer.prototype, "byteLength") : undefined;
const dateGetTime = Date.prototype.getTime as AnyFn;
const reSource = getter(RegExp.prototype, "source")!;
const reFlagGetters: Array<[string, AnyFn]> = [];
for (const [flag, name] of [
  ["d", "hasIndices"],
  ["g", "global"],
  ["i", "ignoreCase"],
  ["m", "multiline"],
  ["s", "dotAll"],
  ["u", "unicode"],
  ["v", "unicodeSets"],
  ["y", "sticky"],
] as const) {
  const g = getter(RegExp.prototype, name);
  if (g) reFlagGetters.push([flag, g]);
}
const mapSize = getter(Map.prototype, "size")!;
const setSize = getter(Set.prototype, "size")!;
const mapForEach = Map.prototype.forEach as AnyFn;
const setForEach = Set.prototype.forEach as AnyFn;
const numberValueOf = Number.prototype.valueOf as AnyFn;
const stringValueOf = String.prototype.valueOf as AnyFn;
const booleanValueOf = Boolean.prototype.valueOf as AnyFn;
const bigintValueOf = BigInt.prototype.valueOf as AnyFn;
const errorIsError: ((v: unknown) => boolean) | undefined =
  typeof (Error as Any).isError === "function" ? (Error as Any).isError : undefined;

const ErrorCtors: Array<new (message?: string) => Error> = [
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
];
const ErrorKindByName: Record<string, number> = {
  EvalError: 1,
  RangeError: 2,
  ReferenceError: 3,
  SyntaxError: 4,
  TypeError: 5,
  URIError: 6,
};

// Typed array kinds; Float16Array only where the runtime has it.
type ViewCtor = new (buffer: ArrayBuffer, byteOffset?: number, length?: number) => ArrayBufferView;
const VIEW_CTORS: Array<ViewCtor | undefined> = [
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array as unknown as ViewCtor,
  BigUint64Array as unknown as ViewCtor,
  typeof G.Float16Array === "function" ? (G.Float16Array as ViewCtor) : undefined,
  DataView as unknown as ViewCtor,
];
const VIEW_ELEMENT_SIZE = [1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8, 2, 1];
const VIEW_KIND_BY_NAME: Record<string, number> = {
  Int8Array: 0,
  Uint8Array: 1,
  Uint8ClampedArray: 2,
  Int16Array: 3,
  Uint16Array: 4,
  Int32Array: 5,
  Uint32Array: 6,
  Float32Array: 7,
  Float64Array: 8,
  BigInt64Array: 9,
  BigUint64Array: 10,
  Float16Array: 11,
};

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const textEncoder: Any = typeof G.TextEncoder === "function" ? new G.TextEncoder() : undefined;
const textDecoder: Any = typeof G.TextDecoder === "function" ? new G.TextDecoder() : undefined;

// Error semantics differ between engines; match the local structuredClone.
// V8 (Node, Deno) keeps `cause` and gives the clone an own `stack` that is
// undefined when the original's stack was not a string; Bun (JavaScriptCore)
// drops `cause` and leaves no own `stack` in that case.
function probe(f: () => boolean, fallback: boolean): boolean {
  if (typeof G.structuredClone !== "function") return fallback;
  try {
    return f();
  } catch {
    return fallback;
  }
}
const PRESERVE_CAUSE = probe(() => "cause" in G.structuredClone(new Error("", { cause: 0 })), true);
const ABSENT_STACK_IS_OWN_UNDEFINED = probe(() => {
  const e = new Error("");
  delete (e as Any).stack;
  if (typeof e.stack === "string") return true; // cannot tell; keep V8's behaviour
  return hasOwn.call(G.structuredClone(e), "stack");
}, true);
// Bun also copies non-enumerable array indices, and the own enumerable
// properties of Map and Set objects; V8 and the HTML spec drop them.
const ARRAY_KEEPS_HIDDEN_INDICES = probe(() => {
  const a = [1, 2];
  defineProp(a, 0, { value: 3, enumerable: false });
  return 0 in G.structuredClone(a);
}, false);
const COLLECTIONS_KEEP_PROPS = probe(() => {
  const m: Any = new Map();
  m.x = 1;
  return G.structuredClone(m).x === 1;
}, false);

// ---------------------------------------------------------------------------
// Errors

/**
 * Returns a DOMException named "DataCloneError" when `globalThis.DOMException`
 * exists, else an Error whose `.name` is "DataCloneError".
 */
export function dataCloneError(message: string): Error {
  const D = G.DOMException;
  if (typeof D === "function") {
    try {
      return new D(message, "DataCloneError") as Error;
    } catch {
      // fall through
    }
  }
  const e = new Error(message);
  e.name = "DataCloneError";
  return e;
}

/** Internal: thrown while encoding, collects the path on the way out. */
class CloneFail {
  what: string;
  path: string[];
  constructor(what: string) {
    this.what = what;
    this.path = [];
  }
}

const IDENT = /^[A-Za-z_$][\w$]*$/;
function keySegment(k: string): string {
  return IDENT.test(k) ? "." + k : "[" + JSON.stringify(k) + "]";
}

/** `at` is an index into the decoder's input; the message counts from its start. */
function malformed(at: number, why?: string): never {
  throw new Error("structured codec: malformed data at byte " + (at - start) + (why ? " (" + why + ")" : ""));
}

// ---------------------------------------------------------------------------
// Encoder state (module level, reused)

const INITIAL_SIZE = 8192;
const KEEP_LIMIT = 4 * 1024 * 1024;
let buf = new Uint8Array(INITIAL_SIZE);
let dv = new DataView(buf.buffer);
// The views of buf that encodeStructured returned, by length: making a
// Uint8Array costs more than encoding a small object. Emptied when buf changes.
const VIEW_CACHE_LIMIT = 256;
let views: Array<Uint8Array | undefined> = [];
let pos = 0;
let ids = new Map<object, number>();
let nextId = 0;
let root: object | null = null;
let wroteBackref = false;
let scratch: unknown[] = [];
let encoding = false;

function grow(need: number): void {
  let size = buf.length * 2;
  while (size < pos + need) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, pos));
  buf = next;
  dv = new DataView(next.buffer);
  views = [];
}

function writeVarint(n: number): void {
  if (pos + 10 > buf.length) grow(10);
  while (n >= 128) {
    buf[pos++] = (n & 127) | 128;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
}

/**
 * Serializes `value` with `structuredClone` semantics.
 *
 * The returned Uint8Array is a view into a reused internal buffer, and the
 * view object itself may be returned again by a later call: it is valid only
 * until the next `encodeStructured` call. Copy it (`.slice()`) to keep it longer.
 *
 * @throws DataCloneError (a DOMException where available) for values that
 *   `structuredClone` rejects, and for SharedArrayBuffer, WebAssembly.Memory,
 *   WebAssembly.Module, MessagePort and other platform objects.
 */
export function encodeStructured(value: unknown): Uint8Array {
  if (encoding) return encodeReentrant(value);
  encoding = true;
  if (buf.length > KEEP_LIMIT) {
    buf = new Uint8Array(INITIAL_SIZE);
    dv = new DataView(buf.buffer);
    views = [];
  }
  pos = 0;
  nextId = 0;
  wroteBackref = false;
  try {
    pos = 1; // the header, once we know it
    if (typeof value === "object" && value !== null) {
      root = value;
      writeObject(value);
    } else {
      writeValue(value);
    }
    buf[0] = wroteBackref ? HEADER_REFS : HEADER_NO_REFS;
    if (pos >= VIEW_CACHE_LIMIT) return buf.subarray(0, pos);
    return views[pos] ?? (views[pos] = new Uint8Array(buf.buffer, 0, pos));
  } catch (e) {
    if (e instanceof CloneFail) {
      const where = e.path.length ? " (at value" + e.path.reverse().join("") + ")" : "";
      throw dataCloneError(e.what + " could not be cloned" + where);
    }
    throw e;
  } finally {
    root = null;
    if (nextId > 1) ids.clear();
    // (setting an array's length calls into the runtime even when it is 0 already)
    if (scratch.length !== 0) scratch.length = 0;
    encoding = false;
  }
}

/** A getter called encodeStructured while we were encoding: use fresh state. */
function encodeReentrant(value: unknown): Uint8Array {
  const saved = [buf, dv, views, pos, ids, nextId, root, scratch, wroteBackref] as const;
  buf = new Uint8Array(256);
  dv = new DataView(buf.buffer);
  views = [];
  ids = new Map();
  scratch = [];
  encoding = false;
  try {
    return encodeStructured(value);
  } finally {
    [buf, dv, views, pos, ids, nextId, root, scratch, wroteBackref] = saved;
    encoding = true;
  }
}

function writeValue(v: unknown): void {
  switch (typeof v) {
    case "string":
      writeString(v);
      return;
    case "number":
      writeNumber(v);
      return;
    case "boolean":
      if (pos >= buf.length) grow(1);
      buf[pos++] = v ? T_TRUE : T_FALSE;
      return;
    case "undefined":
      if (pos >= buf.length) grow(1);
      buf[pos++] = T_UNDEFINED;
      return;
    case "object":
      if (v === null) {
        if (pos >= buf.length) grow(1);
        buf[pos++] = T_NULL;
      } else {
        writeObject(v);
      }
      return;
    case "bigint":
      writeBigInt(v);
      return;
    case "function":
      throw new CloneFail("function");
    case "symbol":
      throw new CloneFail("symbol");
    default:
      throw new CloneFail(typeof v);
  }
}

function writeNumber(v: number): void {
  if (pos + 9 > buf.length) grow(9);
  if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
    if (v >= 0 && v < 128) {
      buf[pos++] = T_FIXINT + v;
    } else {
      buf[pos++] = T_INT32;
      dv.setInt32(pos, v, true);
      pos += 4;
    }
  } else {
    buf[pos++] = T_FLOAT64;
    dv.setFloat64(pos, v, true);
    pos += 8;
  }
}

const MIN_I64 = -9223372036854775808n;
const MAX_I64 = 9223372036854775807n;

function writeBigInt(v: bigint): void {
  if (v >= MIN_I64 && v <= MAX_I64) {
    if (pos + 9 > buf.length) grow(9);
    buf[pos++] = T_BIGINT64;
    dv.setBigInt64(pos, v, true);
    pos += 8;
    return;
  }
  const neg = v < 0n;
  let hex = (neg ? -v : v).toString(16);
  if (hex.length & 1) hex = "0" + hex;
  const n = hex.length >> 1;
  if (pos + 2 > buf.length) grow(2);
  buf[pos++] = T_BIGINT_BIG;
  buf[pos++] = neg ? 1 : 0;
  writeVarint(n);
  if (pos + n > buf.length) grow(n);
  for (let i = 0, j = hex.length - 2; i < n; i++, j -= 2) buf[pos++] = parseInt(hex.substr(j, 2), 16);
}

// Small enough for the engine to inline at every call: long strings, and short
// ones that need the buffer to grow, go to writeLongString.
function writeString(s: string): void {
  const len = s.length;
  if (len > FIXSTR_MAX || pos + 1 + len > buf.length) return writeLongString(s);
  const b = buf;
  let q = pos + 1;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) return writeUtf16(s);
    b[q++] = c;
  }
  b[pos] = T_FIXSTR + len;
  pos = q;
}

function writeLongString(s: string): void {
  const len = s.length;
  if (len <= FIXSTR_MAX) {
    if (pos + 1 + len > buf.length) grow(1 + len);
    return writeString(s);
  }
  if (pos + len * 2 + 11 > buf.length) grow(len * 2 + 11);
  const start = pos;
  if (len >= 64 && textEncoder !== undefined) {
    buf[pos++] = T_ASCII;
    writeVarint(len);
    const r = textEncoder.encodeInto(s, buf.subarray(pos, pos + len));
    if (r.read === len && r.written === len) {
      pos += len;
      return;
    }
    pos = start;
  }
  buf[pos++] = T_LATIN1;
  writeVarint(len);
  const b = buf;
  let q = pos;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) {
      pos = start;
      return writeUtf16(s);
    }
    b[q++] = c;
  }
  pos = q;
}

/** Writes `s` as raw UTF-16 code units at `pos` (nothing was committed yet). */
function writeUtf16(s: string): void {
  const len = s.length;
  if (pos + len * 2 + 11 > buf.length) grow(len * 2 + 11);
  buf[pos++] = T_UTF16;
  writeVarint(len);
  const b = buf;
  let q = pos;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    b[q++] = c & 255;
    b[q++] = c >>> 8;
  }
  pos = q;
}

function writeObject(v: object): void {
  if (v === root) {
    if (nextId > 0) {
      // a descendant refers back to the root, which is always object 0
      writeBackref(0);
      return;
    }
  } else {
    const known = ids.get(v);
    if (known !== undefined) {
      writeBackref(known);
      return;
    }
  }
  const tag = objToString.call(v);
  if (tag === "[object Object]") {
    register(v);
    writePlainObject(v);
  } else if (tag === "[object Array]") {
    register(v);
    writeArray(v as unknown[]);
  } else {
    writeSpecial(v, tag);
  }
}

function register(v: object): void {
  if (v !== root) ids.set(v, nextId);
  nextId++;
}

function writeBackref(id: number): void {
  wroteBackref = true;
  if (pos + 1 > buf.length) grow(1);
  buf[pos++] = T_BACKREF;
  writeVarint(id);
}

/** Writes v's properties keys[from..] that are still its own, then T_END. */
function writeProps(v: Any, keys: string[], from: number): void {
  let k = "";
  try {
    for (let i = from; i < keys.length; i++) {
      k = keys[i];
      // A getter may have deleted a listed property: skip it, even when an
      // inherited one of that name remains (structuredClone looks up own ones).
      if (hasOwn.call(v, k)) writeProp(k, v[k]);
    }
  } catch (e) {
    if (e instanceof CloneFail) e.path.push(keySegment(k));
    throw e;
  }
  if (pos >= buf.length) grow(1);
  buf[pos++] = T_END;
}

function writeProp(k: string, val: unknown): void {
  writeString(k);
  if (typeof val === "string") writeString(val);
  else if (typeof val === "number") writeNumber(val);
  else writeValue(val);
}

/**
 * The properties of a plain object, as writeProps(v, objectKeys(v), 0) writes
 * them. A for-in loop lists the same own keys in the same order (then the
 * inherited ones), and inside it V8 reads v[k] and hasOwn(v, k) from the
 * shape's tables instead of looking each key up (3x faster for small objects).
 * But for-in skips keys deleted meanwhile (and JavaScriptCore keys made
 * non-enumerable), where structuredClone follows the list it took first: at
 * the first key that differs from that list, writeProps finishes from it.
 */
function writePlainObject(v: Any): void {
  if (pos >= buf.length) grow(1);
  buf[pos++] = T_OBJECT;
  const keys = objectKeys(v);
  const n = keys.length;
  let i = 0;
  let k = "";
  try {
    for (const key in v) {
      if (i === n || key !== keys[i]) break;
      i++;
      k = key;
      if (hasOwn.call(v, key)) writeProp(key, v[key]);
    }
  } catch (e) {
    if (e instanceof CloneFail) e.path.push(keySegment(k));
    throw e;
  }
  writeProps(v, keys, i);
}

function writeArray(a: unknown[]): void {
  const len = a.length;
  let keys = objectKeys(a);
  // Own enumerable keys list the present indices first, ascending. When the
  // first `len` keys end with index len-1, every index is present.
  let full = keys.length >= len && (len === 0 || keys[len - 1] === String(len - 1));
  if (!full && ARRAY_KEEPS_HIDDEN_INDICES) {
    // Bun: every own index, enumerable or not, then the enumerable named keys
    const all = Object.getOwnPropertyNames(a);
    const merged: string[] = [];
    for (let j = 0; j < all.length && isIndexKey(all[j], len); j++) merged.push(all[j]);
    for (let j = 0; j < keys.length; j++) if (!isIndexKey(keys[j], len)) merged.push(keys[j]);
    keys = merged;
    full = keys.length >= len && (len === 0 || keys[len - 1] === String(len - 1));
  }
  const nk = keys.length;
  let nIndex = len;
  if (!full) {
    let lo = 0;
    let hi = nk;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (isIndexKey(keys[mid], len)) lo = mid + 1;
      else hi = mid;
    }
    nIndex = lo;
    if (nIndex * 2 < len) {
      // mostly holes: (key, value) pairs for everything
      if (pos + 1 > buf.length) grow(1);
      buf[pos++] = T_ARRAY_SPARSE;
      writeVarint(len);
      writeProps(a, keys, 0);
      return;
    }
  }
  if (pos + 1 > buf.length) grow(1);
  buf[pos++] = T_ARRAY_DENSE;
  writeVarint(len);
  let i = 0;
  try {
    if (full) {
      for (; i < len; i++) {
        const val = a[i];
        // a getter may have deleted a later element: it becomes a hole
        if (val === undefined && !(i in a)) writeHole();
        else if (typeof val === "number") writeNumber(val);
        else if (typeof val === "string") writeString(val);
        else writeValue(val);
      }
    } else {
      // holes, or non-enumerable indices (which structuredClone drops)
      for (let j = 0; j < nIndex; j++) {
        const idx = +keys[j];
        while (i < idx) {
          writeHole();
          i++;
        }
        const val = a[idx];
        if (val === undefined && !hasOwn.call(a, idx)) writeHole();
        else writeValue(val);
        i++;
      }
      for (; i < len; i++) writeHole();
    }
  } catch (e) {
    if (e instanceof CloneFail) e.path.push("[" + i + "]");
    throw e;
  }
  writeProps(a, keys, nIndex);
}

function writeHole(): void {
  if (pos >= buf.length) grow(1);
  buf[pos++] = T_HOLE;
}

function isIndexKey(k: string, len: number): boolean {
  const c = k.charCodeAt(0);
  if (c < 48 || c > 57) return false;
  const n = +k;
  return n < len && String(n) === k;
}

function brand(check: AnyFn | undefined, v: unknown): boolean {
  if (check === undefined) return false;
  try {
    check.call(v);
    return true;
  } catch {
    return false;
  }
}

function isArrayBuffer(v: unknown): boolean {
  return brand(abByteLength, v);
}

function isError(v: unknown, tag: string): boolean {
  if (errorIsError !== undefined) return errorIsError(v);
  return tag === "[object Error]";
}

function writeSpecial(v: Any, tag: string): void {
  if (isView(v)) {
    register(v);
    writeView(v);
    return;
  }
  switch (tag) {
    case "[object Date]":
      if (brand(dateGetTime, v)) return writeDate(v);
      break;
    case "[object RegExp]":
      if (brand(reSource, v)) return writeRegExp(v);
      break;
    case "[object Map]":
      if (brand(mapSize, v)) return writeMap(v);
      break;
    case "[object Set]":
      if (brand(setSize, v)) return writeSet(v);
      break;
    case "[object Error]":
      if (isError(v, tag)) return writeError(v);
      break;
    case "[object ArrayBuffer]":
      if (isArrayBuffer(v)) return writeArrayBuffer(v);
      break;
    case "[object Number]":
    case "[object String]":
    case "[object Boolean]":
    case "[object BigInt]":
      if (writeBoxed(v)) return;
      break;
  }
  // Not one of the usual tags: subclasses, objects with a Symbol.toStringTag,
  // built-ins that cannot be cloned, platform objects.
  if (isArray(v)) {
    register(v);
    return writeArray(v);
  }
  const name = tag.slice(8, -1);
  if (brand(sabByteLength, v)) throw new CloneFail("SharedArrayBuffer");
  // Built-ins and platform objects (Web IDL) define Symbol.toStringTag as a
  // data property of their prototype: those cannot be cloned (DOMException,
  // Blob, MessagePort, WeakMap, Promise, WebAssembly.Memory, iterators...).
  if (hasPlatformTag(v)) throw new CloneFail(name.startsWith("WebAssembly.") ? name : name + " object");
  if (isArrayBuffer(v)) return writeArrayBuffer(v);
  if (brand(dateGetTime, v)) return writeDate(v);
  if (brand(reSource, v) && v !== RegExp.prototype) return writeRegExp(v);
  if (brand(mapSize, v)) return writeMap(v);
  if (brand(setSize, v)) return writeSet(v);
  if (errorIsError !== undefined ? errorIsError(v) : v instanceof Error && hasOwn.call(v, "stack")) {
    // (without Error.isError: an Error instance, as V8 gives each one an own stack)
    return writeError(v);
  }
  if (writeBoxed(v)) return;
  if (name === "Arguments" || name === "Function") throw new CloneFail(name + " object");
  // A class instance whose class has a `get [Symbol.toStringTag]()`, or a
  // plain object with its own tag: copied as a plain object, as structuredClone does.
  register(v);
  return writePlainObject(v);
}

/** Whether the first Symbol.toStringTag on v's prototype chain is a data
 * property of a prototype (as built-ins and Web IDL interfaces define it). */
function hasPlatformTag(v: object): boolean {
  for (let o: Any = v; o !== null; o = getProto(o)) {
    const d = getOwnDesc(o, Symbol.toStringTag);
    if (d !== undefined) {
      if (!("value" in d)) return false; // accessor: a user class
      if (o !== v) return true;
      const proto = getProto(v);
      return !(proto === ObjectProto || proto === null); // own tag on a plain object
    }
  }
  return false;
}

function writeDate(v: Date): void {
  register(v);
  if (pos + 9 > buf.length) grow(9);
  buf[pos++] = T_DATE;
  dv.setFloat64(pos, dateGetTime.call(v) as number, true);
  pos += 8;
}

function writeRegExp(v: RegExp): void {
  register(v);
  let flags = "";
  for (let i = 0; i < reFlagGetters.length; i++) {
    if (reFlagGetters[i][1].call(v)) flags += reFlagGetters[i][0];
  }
  if (pos + 1 > buf.length) grow(1);
  buf[pos++] = T_REGEXP;
  writeString(reSource.call(v) as string);
  writeString(flags);
}

function pushEntry(value: unknown, key: unknown): void {
  scratch.push(key, value);
}
function pushValue(value: unknown): void {
  scratch.push(value);
}

function writeMap(v: Map<unknown, unknown>): void {
  register(v);
  // Snapshot the entries first, as V8 does: getters run while writing them
  // cannot change what is written.
  const start = scratch.length;
  mapForEach.call(v, pushEntry);
  const end = scratch.length;
  if (pos + 1 > buf.length) grow(1);
  buf[pos++] = T_MAP;
  writeVarint((end - start) / 2);
  let i = start;
  try {
    for (; i < end; i++) writeValue(scratch[i]);
  } catch (e) {
    if (e instanceof CloneFail) e.path.push("<Map " + ((i - start) & 1 ? "value" : "key") + " #" + ((i - start) >> 1) + ">");
    throw e;
  }
  scratch.length = start;
  writeCollectionProps(v);
}

function writeCollectionProps(v: object): void {
  if (COLLECTIONS_KEEP_PROPS) {
    writeProps(v, objectKeys(v), 0);
  } else {
    if (pos >= buf.length) grow(1);
    buf[pos++] = T_END;
  }
}

function writeSet(v: Set<unknown>): void {
  register(v);
  const start = scratch.length;
  setForEach.call(v, pushValue);
  const end = scratch.length;
  if (pos + 1 > buf.length) grow(1);
  buf[pos++] = T_SET;
  writeVarint(end - start);
  let i = start;
  try {
    for (; i < end; i++) writeValue(scratch[i]);
  } catch (e) {
    if (e instanceof CloneFail) e.path.push("<Set item #" + (i - start) + ">");
    throw e;
  }
  scratch.length = start;
  writeCollectionProps(v);
}

function writeBoxed(v: object): boolean {
  if (brand(numberValueOf, v)) {
    register(v);
    if (pos + 9 > buf.length) grow(9);
    buf[pos++] = T_NUMBER_OBJECT;
    dv.setFloat64(pos, numberValueOf.call(v) as number, true);
    pos += 8;
    return true;
  }
  if (brand(stringValueOf, v)) {
    register(v);
    if (pos + 1 > buf.length) grow(1);
    buf[pos++] = T_STRING_OBJECT;
    writeString(stringValueOf.call(v) as string);
    return true;
  }
  if (brand(booleanValueOf, v)) {
    register(v);
    if (pos + 1 > buf.length) grow(1);
    buf[pos++] = booleanValueOf.call(v) ? T_TRUE_OBJECT : T_FALSE_OBJECT;
    return true;
  }
  if (brand(bigintValueOf, v)) {
    register(v);
    if (pos + 1 > buf.length) grow(1);
    buf[pos++] = T_BIGINT_OBJECT;
    writeBigInt(bigintValueOf.call(v) as bigint);
    return true;
  }
  return false;
}

function writeError(v: Any): void {
  register(v);
  // Same order of observable operations as V8's serializer.
  const messageDesc = getOwnDesc(v, "message");
  const causeDesc = PRESERVE_CAUSE ? getOwnDesc(v, "cause") : undefined;
  const name = `${v.name}`;
  const kind = hasOwn.call(ErrorKindByName, name) ? ErrorKindByName[name] : 0;
  let flags = 0;
  let message = "";
  if (messageDesc !== undefined && "value" in messageDesc) {
    message = `${messageDesc.value}`;
    flags |= ERR_HAS_MESSAGE;
  }
  const stack = v.stack;
  if (typeof stack === "string") flags |= ERR_HAS_STACK;
  if (causeDesc !== undefined && "value" in causeDesc) flags |= ERR_HAS_CAUSE;
  if (pos + 3 > buf.length) grow(3);
  buf[pos++] = T_ERROR;
  buf[pos++] = kind;
  buf[pos++] = flags;
  if (flags & ERR_HAS_MESSAGE) writeString(message);
  if (flags & ERR_HAS_STACK) writeString(stack);
  if (flags & ERR_HAS_CAUSE) {
    try {
      writeValue(causeDesc!.value);
    } catch (e) {
      if (e instanceof CloneFail) e.path.push(".cause");
      throw e;
    }
  }
}

function isDetached(b: ArrayBuffer): boolean {
  if (abDetached !== undefined) return abDetached.call(b) as boolean;
  if ((abByteLength.call(b) as number) !== 0) return false;
  try {
    new Uint8Array(b);
    return false;
  } catch {
    return true;
  }
}

function writeArrayBuffer(b: ArrayBuffer): void {
  register(b);
  if (isDetached(b)) throw new CloneFail("detached ArrayBuffer");
  const len = abByteLength.call(b) as number;
  const resizable = abResizable !== undefined && (abResizable.call(b) as boolean);
  if (pos + 1 > buf.length) grow(1);
  if (resizable) {
    buf[pos++] = T_RESIZABLE_ARRAYBUFFER;
    writeVarint(len);
    writeVarint(abMaxByteLength!.call(b) as number);
  } else {
    buf[pos++] = T_ARRAYBUFFER;
    writeVarint(len);
  }
  if (pos + len > buf.length) grow(len);
  buf.set(new Uint8Array(b, 0, len), pos);
  pos += len;
}

function writeView(v: ArrayBufferView): void {
  const name = taTagGetter.call(v) as string | undefined;
  const isDV = name === undefined;
  const kind = isDV ? DATAVIEW_KIND : VIEW_KIND_BY_NAME[name];
  if (kind === undefined) throw new CloneFail(name + " object");
  const buffer = (isDV ? dvBuffer : taBuffer).call(v) as ArrayBuffer;
  if (!isArrayBuffer(buffer)) {
    throw new CloneFail(
      (brand(sabByteLength, buffer) ? "SharedArrayBuffer" : "buffer") + " (of a " + (isDV ? "DataView" : name) + ")",
    );
  }
  if (isDetached(buffer)) throw new CloneFail("detached ArrayBuffer (of a " + (isDV ? "DataView" : name) + ")");
  const byteOffset = (isDV ? dvByteOffset : taByteOffset).call(v) as number;
  const byteLength = (isDV ? dvByteLength : taByteLength).call(v) as number;
  const length = isDV ? byteLength : (taLength.call(v) as number);
  const tracking = isLengthTracking(v, buffer, isDV, byteOffset, byteLength, VIEW_ELEMENT_SIZE[kind]);
  if (pos + 2 > buf.length) grow(2);
  buf[pos++] = T_VIEW;
  buf[pos++] = kind;
  if (pos + 1 > buf.length) grow(1);
  buf[pos++] = tracking ? VIEW_LENGTH_TRACKING : 0;
  writeVarint(byteOffset);
  writeVarint(length);
  writeObject(buffer);
}

/**
 * Whether a view on a resizable buffer tracks the buffer's length. JavaScript
 * cannot ask directly, so grow the buffer by one element and look (or, when
 * it is at its maximum size, shrink it to the view's start and see whether the
 * view went out of bounds), then restore the buffer exactly.
 */
function isLengthTracking(
  v: ArrayBufferView,
  buffer: ArrayBuffer,
  isDV: boolean,
  byteOffset: number,
  byteLength: number,
  elementSize: number,
): boolean {
  if (abResizable === undefined || abResize === undefined || !abResizable.call(buffer)) return false;
  const len = abByteLength.call(buffer) as number;
  if (len - (byteOffset + byteLength) >= elementSize) return false;
  const max = abMaxByteLength!.call(buffer) as number;
  const viewByteLength = isDV ? dvByteLength : taByteLength;
  if (len + elementSize <= max) {
    abResize.call(buffer, len + elementSize);
    try {
      return (viewByteLength.call(v) as number) !== byteLength;
    } finally {
      abResize.call(buffer, len);
    }
  }
  const tail = new Uint8Array(buffer, byteOffset, len - byteOffset).slice();
  abResize.call(buffer, byteOffset);
  try {
    if (isDV) {
      return brand(dvByteLength, v);
    }
    return taAt !== undefined && brand(taAt, v);
  } finally {
    abResize.call(buffer, len);
    new Uint8Array(buffer, byteOffset).set(tail);
  }
}

// ---------------------------------------------------------------------------
// Decoder state

let src: Uint8Array = new Uint8Array(0);
// scratch for reading float64 / bigint64 without a DataView per call
const f64 = new Float64Array(1);
const f64bytes = new Uint8Array(f64.buffer);
const i64 = new BigInt64Array(f64.buffer);
let start = 0; // where the message begins in src
let p = 0;
let end = 0; // where it ends
// The objects decoded so far, by id, for back-references: objs[0 .. nObjs-1]
// (only when the header says the message has back-references).
// Kept from call to call (emptied, not shrunk) so that a message needs no new
// array; `objs.length = 0` would free the backing store, and the next message
// would allocate it again.
let objs: unknown[] = [];
let nObjs = 0;
let keepObjs = true;
const OBJS_KEEP_LIMIT = 1024;
let srcShared = -1; // -1 unknown, 0 no, 1 yes (TextDecoder refuses shared memory)
let decoding = false;
let u16scratch = new Uint16Array(256);

/**
 * Deserializes bytes produced by `encodeStructured`.
 *
 * @throws Error "structured codec: malformed data at byte N" for malformed
 *   input (a damaged payload), including input nested deeper than the stack
 *   allows; never loops forever and never allocates more than the input can
 *   justify.
 * @throws TypeError when `bytes` is not a Uint8Array.
 */
export function decodeStructured(bytes: Uint8Array): unknown {
  // Through decodeStructuredRange: JavaScriptCore took 3% longer for a small object this
  // way than with a copy of its lines, but the queue calls decodeStructuredRange itself.
  const b = bytes?.constructor === Uint8Array ? bytes : plainUint8Array(bytes);
  return decodeStructuredRange(b, 0, b.length);
}

/**
 * Deserializes the message in `bytes[from .. to)`, as decodeStructured does
 * with `bytes.subarray(from, to)`, but without making that view: a reader of
 * many messages in one buffer saves more than the decode of a small object.
 *
 * @throws Error "structured codec: malformed data at byte N" (N counted from
 *   `from`), as decodeStructured.
 * @throws TypeError when `bytes` is not a Uint8Array; RangeError unless `from`
 *   and `to` are integers with 0 <= from <= to <= bytes.length.
 */
export function decodeStructuredRange(bytes: Uint8Array, from: number, to: number): unknown {
  const b = bytes?.constructor === Uint8Array ? bytes : plainUint8Array(bytes);
  checkRange(from, to, b.length);
  if (decoding) return decodeReentrant(b, from, to);
  decoding = true;
  src = b;
  srcShared = -1;
  start = from;
  p = from;
  end = to;
  try {
    if (end === start) malformed(p, "empty input");
    const header = src[p];
    if (header !== HEADER_REFS && header !== HEADER_NO_REFS) malformed(p, "unknown format version");
    keepObjs = header === HEADER_REFS;
    p++;
    const v = readValue();
    if (p !== end) malformed(p, "trailing bytes");
    return v;
  } catch (e) {
    return rethrow(e);
  } finally {
    if (nObjs !== 0) forgetObjs();
    src = EMPTY;
    decoding = false;
  }
}

/** `bytes`, checked, or a plain Uint8Array over a subclass's bytes. */
function plainUint8Array(bytes: Uint8Array): Uint8Array {
  if (!isView(bytes) || taTagGetter.call(bytes) !== "Uint8Array") {
    throw new TypeError("structured codec: decodeStructured expects a Uint8Array");
  }
  // a subclass (e.g. Node's Buffer) may override slice(): use a plain view
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function rethrow(e: unknown): never {
  // The decoder recurses once per nesting level, and nothing it calls throws a
  // RangeError on its own (every length is checked against the input first): this is
  // the stack running out, on input nested deeper than this thread's stack allows.
  if (e instanceof RangeError) malformed(p, "nested deeper than this thread's stack allows");
  throw e;
}

const EMPTY = new Uint8Array(0);

function checkRange(from: number, to: number, length: number): void {
  if (Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= length) return;
  throw new RangeError(
    "structured codec: decodeStructuredRange expects 0 <= from <= to <= " + length + ", got from " + from + ", to " + to,
  );
}

function decodeReentrant(bytes: Uint8Array, from: number, to: number): unknown {
  const saved = [src, start, p, end, objs, nObjs, keepObjs, srcShared] as const;
  objs = [];
  nObjs = 0;
  decoding = false;
  try {
    return decodeStructuredRange(bytes, from, to);
  } finally {
    [src, start, p, end, objs, nObjs, keepObjs, srcShared] = saved;
    decoding = true;
  }
}

/** Lets go of the decoded objects (the caller owns them now). */
function forgetObjs(): void {
  if (nObjs > OBJS_KEEP_LIMIT) objs = [];
  else for (let i = 0; i < nObjs; i++) objs[i] = undefined;
  nObjs = 0;
}

/** Numbers a decoded object, for back-references (if the message has any). */
function keep(o: unknown): void {
  if (keepObjs) objs[nObjs++] = o;
}

/** An id for an object whose children are read before it can be created: a
 * back-reference to it in the meantime reads undefined (and is refused). */
function reserveObj(): number {
  if (!keepObjs) return -1;
  objs[nObjs] = undefined;
  return nObjs++;
}

/** Sets the object of an id from reserveObj. */
function fill(id: number, o: unknown): void {
  if (id >= 0) objs[id] = o;
}

function need(n: number): void {
  if (n > end - p) malformed(p, "unexpected end of data");
}

function readVarint(): number {
  let result = 0;
  let scale = 1;
  const start = p;
  for (;;) {
    if (p >= end) malformed(start, "unexpected end of data");
    const b = src[p++];
    result += (b & 127) * scale;
    if (b < 128) break;
    scale *= 128;
    if (scale > 2 ** 49) malformed(start, "varint too long");
  }
  if (result > Number.MAX_SAFE_INTEGER) malformed(start, "varint too large");
  return result;
}

/** A varint counting items of at least `minBytes` bytes each that follow. */
function readCount(minBytes: number): number {
  const at = p;
  const n = readVarint();
  if (n * minBytes > end - p) malformed(at, "length " + n + " exceeds the remaining data");
  return n;
}

function readValue(): unknown {
  if (p >= end) malformed(p, "unexpected end of data");
  const t = src[p++];
  if (t >= T_FIXINT) return t - T_FIXINT;
  if (t >= T_FIXSTR) {
    if (t <= T_FIXSTR + FIXSTR_MAX) return readLatin1(t - T_FIXSTR);
    malformed(p - 1, "unknown tag 0x" + t.toString(16));
  }
  switch (t) {
    case T_UNDEFINED:
      return undefined;
    case T_NULL:
      return null;
    case T_FALSE:
      return false;
    case T_TRUE:
      return true;
    case T_INT32: {
      need(4);
      const v = src[p] | (src[p + 1] << 8) | (src[p + 2] << 16) | (src[p + 3] << 24);
      p += 4;
      return v;
    }
    case T_FLOAT64:
      return readFloat64();
    case T_BIGINT64:
    case T_BIGINT_BIG:
      return readBigIntBody(t);
    case T_LATIN1:
      return readLatin1(readCount(1));
    case T_ASCII:
      return readAscii(readCount(1));
    case T_UTF16:
      return readUtf16(readCount(2));
    case T_BACKREF: {
      const at = p;
      const id = readVarint();
      if (id >= nObjs) malformed(at, "back-reference to unknown object " + id);
      return objs[id];
    }
    case T_OBJECT: {
      const o = {};
      if (keepObjs) objs[nObjs++] = o; // keep(o), by hand: JavaScriptCore did not inline it
      readObjectProps(o);
      return o;
    }
    case T_ARRAY_DENSE:
      return readDenseArray();
    case T_ARRAY_SPARSE: {
      const len = readVarint();
      if (len > 0xffffffff) malformed(p, "array length too large");
      const a: unknown[] = [];
      keep(a);
      readProps(a);
      a.length = len;
      return a;
    }
    case T_DATE: {
      const d = new Date(readFloat64());
      keep(d);
      return d;
    }
    case T_REGEXP: {
      const at = p - 1;
      const id = reserveObj();
      const source = readString();
      const flags = readString();
      let re: RegExp;
      try {
        re = new RegExp(source, flags);
      } catch {
        malformed(at, "invalid RegExp");
      }
      fill(id, re);
      return re;
    }
    case T_MAP: {
      const n = readCount(2);
      const m = new Map();
      keep(m);
      for (let i = 0; i < n; i++) {
        const k = readValue();
        m.set(k, readValue());
      }
      readProps(m);
      return m;
    }
    case T_SET: {
      const n = readCount(1);
      const s = new Set();
      keep(s);
      for (let i = 0; i < n; i++) s.add(readValue());
      readProps(s);
      return s;
    }
    case T_ERROR:
      return readError();
    case T_ARRAYBUFFER:
    case T_RESIZABLE_ARRAYBUFFER:
      return readArrayBuffer(t);
    case T_VIEW:
      return readView();
    case T_NUMBER_OBJECT: {
      const o = Object(readFloat64());
      keep(o);
      return o;
    }
    case T_STRING_OBJECT: {
      const id = reserveObj();
      const o = Object(readString());
      fill(id, o);
      return o;
    }
    case T_TRUE_OBJECT:
    case T_FALSE_OBJECT: {
      const o = Object(t === T_TRUE_OBJECT);
      keep(o);
      return o;
    }
    case T_BIGINT_OBJECT: {
      const id = reserveObj();
      if (p >= end) malformed(p, "unexpected end of data");
      const bt = src[p++];
      if (bt !== T_BIGINT64 && bt !== T_BIGINT_BIG) malformed(p - 1, "expected a bigint");
      const o = Object(readBigIntBody(bt));
      fill(id, o);
      return o;
    }
    default:
      return malformed(p - 1, t === T_HOLE ? "hole outside an array" : "unknown tag 0x" + t.toString(16));
  }
}

/** Copies 8 little-endian bytes into the float64/bigint64 scratch. */
function read8(): void {
  need(8);
  if (LITTLE_ENDIAN) {
    for (let i = 0; i < 8; i++) f64bytes[i] = src[p + i];
  } else {
    for (let i = 0; i < 8; i++) f64bytes[7 - i] = src[p + i];
  }
  p += 8;
}

function readFloat64(): number {
  read8();
  return f64[0];
}

function readBigIntBody(t: number): bigint {
  if (t === T_BIGINT64) {
    read8();
    return i64[0];
  }
  need(1);
  const neg = src[p++];
  if (neg > 1) malformed(p - 1, "bad bigint sign");
  const n = readCount(1);
  let hex = "";
  for (let i = n - 1; i >= 0; i--) {
    const b = src[p + i];
    hex += (b < 16 ? "0" : "") + b.toString(16);
  }
  p += n;
  const v = n === 0 ? 0n : BigInt("0x" + hex);
  return neg ? -v : v;
}

/** Reads a string (any string tag) — used for keys, RegExp fields, etc. */
function readString(): string {
  if (p >= end) malformed(p, "unexpected end of data");
  const t = src[p++];
  if (t >= T_FIXSTR && t <= T_FIXSTR + FIXSTR_MAX) return readLatin1(t - T_FIXSTR);
  if (t === T_LATIN1) return readLatin1(readCount(1));
  if (t === T_ASCII) return readAscii(readCount(1));
  if (t === T_UTF16) return readUtf16(readCount(2));
  return malformed(p - 1, "expected a string");
}

const CHUNK = 4096;

function readLatin1(n: number): string {
  if (n > end - p) malformed(p, "unexpected end of data");
  const s = p;
  p += n;
  if (n < 16) return shortLatin1(s, n);
  if (n <= CHUNK) return fromCharCode.apply(null, src.subarray(s, p) as unknown as number[]);
  let out = "";
  for (let i = s; i < p; i += CHUNK) {
    out += fromCharCode.apply(null, src.subarray(i, Math.min(i + CHUNK, p)) as unknown as number[]);
  }
  return out;
}

function shortLatin1(s: number, n: number): string {
  const b = src;
  switch (n) {
    case 0:
      return "";
    case 1:
      return fromCharCode(b[s]);
    case 2:
      return fromCharCode(b[s], b[s + 1]);
    case 3:
      return fromCharCode(b[s], b[s + 1], b[s + 2]);
    case 4:
      return fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3]);
    case 5:
      return fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4]);
    case 6:
      return fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5]);
    case 7:
      return fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6]);
    case 8:
      return fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7]);
    default:
      return (
        fromCharCode(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7]) +
        shortLatin1(s + 8, n - 8)
      );
  }
}

function readAscii(n: number): string {
  if (srcShared < 0) srcShared = isArrayBuffer(src.buffer) ? 0 : 1;
  if (n >= 256 && textDecoder !== undefined && srcShared === 0) {
    const s = p;
    p += n;
    return textDecoder.decode(src.subarray(s, p));
  }
  return readLatin1(n);
}

function readUtf16(n: number): string {
  const bytes = n * 2;
  if (bytes > end - p) malformed(p, "unexpected end of data");
  const s = p;
  p += bytes;
  if (n < 16) {
    let out = "";
    for (let i = s; i < p; i += 2) out += fromCharCode(src[i] | (src[i + 1] << 8));
    return out;
  }
  let units: Uint16Array;
  const abs = src.byteOffset + s;
  if (LITTLE_ENDIAN && (abs & 1) === 0) {
    units = new Uint16Array(src.buffer, abs, n);
  } else {
    if (u16scratch.length < Math.min(n, 1 << 20)) u16scratch = new Uint16Array(Math.max(n, u16scratch.length * 2));
    units = n <= u16scratch.length ? u16scratch.subarray(0, n) : new Uint16Array(n);
    for (let i = 0, j = s; i < n; i++, j += 2) units[i] = src[j] | (src[j + 1] << 8);
  }
  if (n <= CHUNK) return fromCharCode.apply(null, units as unknown as number[]);
  let out = "";
  for (let i = 0; i < n; i += CHUNK) {
    out += fromCharCode.apply(null, units.subarray(i, Math.min(i + CHUNK, n)) as unknown as number[]);
  }
  return out;
}

// Property keys repeat from message to message: keep the strings of short ones
// so that decoding them costs a hash and a compare, not an allocation (and
// the engine gets back the string it has already internalized). Each cache is
// two-way: a key lives in one of two neighbouring slots, the newer one first,
// so that two keys that hash alike do not evict each other on every message.
const KEY_CACHE_SIZE = 4096; // a power of 2
// Keys of up to 8 bytes, known by their length and their bytes packed into two
// int32: a hit costs one pass over the bytes and no string compare.
const shortKeys: Array<string | undefined> = new Array(KEY_CACHE_SIZE).fill(undefined);
const shortLo = new Int32Array(KEY_CACHE_SIZE);
const shortHi = new Int32Array(KEY_CACHE_SIZE);
const shortLen = new Uint8Array(KEY_CACHE_SIZE); // length + 1; 0 for an empty slot
// Keys of 9 to 31 bytes, compared with the bytes.
const longKeys: Array<string | undefined> = new Array(KEY_CACHE_SIZE).fill(undefined);

/** A property key of n latin1 bytes at p (n < 32). */
function readKey(n: number): string {
  if (n > end - p) malformed(p, "unexpected end of data");
  if (n > 8) return readLongKey(n);
  const b = src;
  const s = p;
  let lo = 0;
  let hi = 0;
  let i = 0;
  for (; i < n && i < 4; i++) lo |= b[s + i] << (i << 3);
  for (; i < n; i++) hi |= b[s + i] << ((i - 4) << 3);
  // (a stronger mix cost JavaScriptCore ~6% of a small object's decode)
  let h = Math.imul(lo ^ Math.imul(hi + n, 0x9e3779b1), 0x85ebca6b);
  h = (h ^ (h >>> 16)) & (KEY_CACHE_SIZE - 2);
  if (shortLen[h] === n + 1 && shortLo[h] === lo && shortHi[h] === hi) {
    p += n;
    return shortKeys[h]!;
  }
  const h2 = h + 1;
  if (shortLen[h2] === n + 1 && shortLo[h2] === lo && shortHi[h2] === hi) {
    p += n;
    return shortKeys[h2]!;
  }
  const k = internalized(readLatin1(n));
  shortKeys[h2] = shortKeys[h];
  shortLen[h2] = shortLen[h];
  shortLo[h2] = shortLo[h];
  shortHi[h2] = shortHi[h];
  shortKeys[h] = k;
  shortLen[h] = n + 1;
  shortLo[h] = lo;
  shortHi[h] = hi;
  return k;
}

function readLongKey(n: number): string {
  const s = p;
  let h = n;
  for (let i = s; i < s + n; i++) h = Math.imul(h ^ src[i], 0x01000193);
  h = (h ^ (h >>> 16)) & (KEY_CACHE_SIZE - 2);
  for (let slot = h; slot <= h + 1; slot++) {
    const cached = longKeys[slot];
    if (cached !== undefined && cached.length === n) {
      let i = 0;
      while (i < n && cached.charCodeAt(i) === src[s + i]) i++;
      if (i === n) {
        p += n;
        return cached;
      }
    }
  }
  const k = internalized(readLatin1(n));
  longKeys[h + 1] = longKeys[h];
  longKeys[h] = k;
  return k;
}

/**
 * The engine's own copy of the string `s`, as property keys are stored. A
 * property cache keeps the key it saw by identity; fed a copy of "id" made
 * from bytes, it misses every time, and V8 then gives up caching there.
 */
function internalized(s: string): string {
  // (a computed key defines an own property, even "__proto__")
  return objectKeys({ [s]: 0 })[0];
}

function readProps(o: Any): void {
  for (;;) {
    if (p >= end) malformed(p, "unexpected end of data");
    const t = src[p];
    if (t === T_END) {
      p++;
      return;
    }
    let k: string;
    if (t >= T_FIXSTR && t <= T_FIXSTR + FIXSTR_MAX) {
      p++;
      k = readKey(t - T_FIXSTR);
    } else {
      k = readString();
    }
    const v = readValue();
    if (k === "__proto__") defineProp(o, k, { value: v, writable: true, enumerable: true, configurable: true });
    else o[k] = v;
  }
}

/** readProps for a plain object: each property goes through storeAt. */
function readObjectProps(o: Any): void {
  for (let i = 0; ; i++) {
    if (p >= end) malformed(p, "unexpected end of data");
    const t = src[p];
    if (t === T_END) {
      p++;
      return;
    }
    let k: string;
    if (t >= T_FIXSTR && t <= T_FIXSTR + FIXSTR_MAX) {
      p++;
      k = readKey(t - T_FIXSTR);
    } else {
      k = readString();
    }
    const v = readValue();
    if (k === "__proto__") defineProp(o, k, { value: v, writable: true, enumerable: true, configurable: true });
    else storeAt(o, i, k, v);
  }
}

/**
 * `o[k] = v` for the i-th property of a new object, from one store site per
 * position. An engine caches what a site did last (V8: add property "id" to an
 * empty object, giving shape S1; add "name" to S1...): when one site serves
 * every key of every object, its cache thrashes and each store takes the slow
 * generic path (~25 ns in V8 11). A stream of objects of one shape meets each
 * site with the same key and shape every time.
 */
function storeAt(o: Any, i: number, k: string, v: unknown): void {
  switch (i) {
    case 0:
      o[k] = v;
      return;
    case 1:
      o[k] = v;
      return;
    case 2:
      o[k] = v;
      return;
    case 3:
      o[k] = v;
      return;
    case 4:
      o[k] = v;
      return;
    case 5:
      o[k] = v;
      return;
    case 6:
      o[k] = v;
      return;
    case 7:
      o[k] = v;
      return;
    case 8:
      o[k] = v;
      return;
    case 9:
      o[k] = v;
      return;
    case 10:
      o[k] = v;
      return;
    case 11:
      o[k] = v;
      return;
    case 12:
      o[k] = v;
      return;
    case 13:
      o[k] = v;
      return;
    case 14:
      o[k] = v;
      return;
    case 15:
      o[k] = v;
      return;
    default:
      o[k] = v;
  }
}

function readDenseArray(): unknown[] {
  const len = readCount(1);
  const a: unknown[] = new Array(len);
  keep(a);
  for (let i = 0; i < len; i++) {
    if (p >= end) malformed(p, "unexpected end of data");
    if (src[p] === T_HOLE) {
      p++;
      continue;
    }
    a[i] = readValue();
  }
  readProps(a);
  return a;
}

function readError(): Error {
  const at = p - 1;
  need(2);
  const kind = src[p++];
  const flags = src[p++];
  if (kind >= ErrorCtors.length || flags > 7) malformed(at, "bad Error header");
  const id = reserveObj();
  const message = flags & ERR_HAS_MESSAGE ? readString() : undefined;
  const stack = flags & ERR_HAS_STACK ? readString() : undefined;
  const Ctor = ErrorCtors[kind];
  const e: Any = message === undefined ? new Ctor() : new Ctor(message);
  if (stack !== undefined) setStack(e, stack);
  else if (ABSENT_STACK_IS_OWN_UNDEFINED) setStack(e, undefined);
  else delete e.stack;
  fill(id, e);
  if (flags & ERR_HAS_CAUSE) {
    defineProp(e, "cause", { value: readValue(), writable: true, enumerable: false, configurable: true });
  }
  return e;
}

function setStack(e: Any, stack: string | undefined): void {
  try {
    e.stack = stack;
  } catch {
    // fall through
  }
  if (e.stack !== stack || !hasOwn.call(e, "stack")) {
    defineProp(e, "stack", { value: stack, writable: true, enumerable: false, configurable: true });
  }
}

function readArrayBuffer(t: number): ArrayBuffer {
  const at = p - 1;
  const len = readCount(1);
  let ab: ArrayBuffer;
  if (t === T_RESIZABLE_ARRAYBUFFER) {
    const max = readVarint();
    if (max < len) malformed(at, "maxByteLength smaller than byteLength");
    if (max > MAX_RESIZABLE_RESERVATION) malformed(at, "maxByteLength " + max + " is over the decoder's limit");
    need(len);
    try {
      ab = new (ArrayBuffer as Any)(len, { maxByteLength: max });
    } catch {
      return malformed(at, "cannot create a resizable ArrayBuffer of maxByteLength " + max);
    }
    if (abResizable === undefined || !abResizable.call(ab)) malformed(at, "resizable ArrayBuffer unsupported here");
    new Uint8Array(ab).set(src.subarray(p, p + len));
  } else {
    ab = src.slice(p, p + len).buffer;
  }
  p += len;
  keep(ab);
  return ab;
}

/**
 * A resizable ArrayBuffer reserves its maxByteLength up front, which the input
 * bytes do not bound: refuse reservations over 4 GiB from untrusted input.
 */
const MAX_RESIZABLE_RESERVATION = 2 ** 32;

function readView(): ArrayBufferView {
  const at = p - 1;
  need(2);
  const kind = src[p++];
  const flags = src[p++];
  if (kind >= VIEW_CTORS.length || flags > 1) malformed(at, "bad view header");
  const Ctor = VIEW_CTORS[kind];
  if (Ctor === undefined) malformed(at, "Float16Array is not supported by this runtime");
  const byteOffset = readVarint();
  const length = readVarint();
  const id = reserveObj();
  if (p >= end) malformed(p, "unexpected end of data");
  const bt = src[p++];
  let buffer: unknown;
  if (bt === T_ARRAYBUFFER || bt === T_RESIZABLE_ARRAYBUFFER) buffer = readArrayBuffer(bt);
  else if (bt === T_BACKREF) {
    p--;
    buffer = readValue();
  }
  else malformed(p - 1, "expected an ArrayBuffer");
  if (!isArrayBuffer(buffer)) malformed(at, "view buffer is not an ArrayBuffer");
  let view: ArrayBufferView;
  try {
    view =
      flags & VIEW_LENGTH_TRACKING
        ? new Ctor(buffer as ArrayBuffer, byteOffset)
        : new Ctor(buffer as ArrayBuffer, byteOffset, length);
  } catch {
    return malformed(at, "view out of its buffer's bounds");
  }
  fill(id, view);
  return view;
}
