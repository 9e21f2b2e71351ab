/**
 * Deep equality for structured-clone results.
 *
 * `assertStructuredEqual(actual, expected)` throws an Error naming the first
 * difference (with a path such as `value.a[3]<Map value #0>`) unless `actual`
 * is what `structuredClone` would produce when `expected` is its result:
 * same types and prototypes, same primitive values (NaN and -0 by
 * `Object.is`), same holes, same own keys in the same order, same Map/Set
 * order, same typed-array kind, byteOffset, length and buffer, same Error
 * name/message/stack/cause, and the same identity structure (an object shared
 * or cyclic in one is shared or cyclic at the same places in the other).
 */

// deno-lint-ignore no-explicit-any
type Any = any;

const objToString = Object.prototype.toString;
const hasOwn = (o: object, k: PropertyKey) => Object.prototype.hasOwnProperty.call(o, k);
const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
const taTag = Object.getOwnPropertyDescriptor(TypedArrayProto, Symbol.toStringTag)!.get!;

class Mismatch extends Error {
  constructor(path: string, what: string) {
    super(`structured values differ at ${path}: ${what}`);
    this.name = "StructuredMismatch";
  }
}

function show(v: unknown): string {
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? v.slice(0, 60) + "…" : v);
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "object" && v !== null) return objToString.call(v);
  return String(v);
}

function keyPath(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? "." + k : /^(0|[1-9]\d*)$/.test(k) ? `[${k}]` : `[${JSON.stringify(k)}]`;
}

function isResizable(b: ArrayBuffer): boolean {
  return (b as Any).resizable === true;
}

export function assertStructuredEqual(actual: unknown, expected: unknown): void {
  const aToE = new Map<object, object>();
  const eToA = new Map<object, object>();
  const fail = (path: string, what: string): never => {
    throw new Mismatch(path, what);
  };

  const compare = (a: unknown, e: unknown, path: string): void => {
    if (typeof a !== typeof e) fail(path, `typeof ${typeof a} (${show(a)}) vs ${typeof e} (${show(e)})`);
    if (typeof e !== "object" || e === null || a === null) {
      if (!Object.is(a, e)) fail(path, `${show(a)} vs ${show(e)}`);
      return;
    }
    const ao = a as Any;
    const eo = e as Any;
    // identity structure
    const seenA = aToE.get(ao);
    const seenE = eToA.get(eo);
    if (seenA !== undefined || seenE !== undefined) {
      if (seenA !== eo || seenE !== ao) fail(path, "shared/cyclic reference structure differs");
      return;
    }
    aToE.set(ao, eo);
    eToA.set(eo, ao);

    const ta = objToString.call(ao);
    const te = objToString.call(eo);
    if (ta !== te) fail(path, `type ${ta} vs ${te}`);
    if (Object.getPrototypeOf(ao) !== Object.getPrototypeOf(eo)) {
      fail(path, `prototype ${ao.constructor?.name} vs ${eo.constructor?.name}`);
    }

    if (ArrayBuffer.isView(eo)) return compareView(ao, eo, path);
    if (eo instanceof ArrayBuffer) return compareBuffer(ao, eo, path);
    if (eo instanceof Date) {
      if (!Object.is(ao.getTime(), eo.getTime())) fail(path, `Date ${ao.getTime()} vs ${eo.getTime()}`);
      return compareKeys(ao, eo, path);
    }
    if (eo instanceof RegExp) {
      if (ao.source !== eo.source) fail(path + ".source", `${show(ao.source)} vs ${show(eo.source)}`);
      if (ao.flags !== eo.flags) fail(path + ".flags", `${show(ao.flags)} vs ${show(eo.flags)}`);
      if (ao.lastIndex !== eo.lastIndex) fail(path + ".lastIndex", `${ao.lastIndex} vs ${eo.lastIndex}`);
      return compareKeys(ao, eo, path);
    }
    if (eo instanceof Error) return compareError(ao, eo, path);
    if (eo instanceof Map) {
      if (ao.size !== eo.size) fail(path, `Map size ${ao.size} vs ${eo.size}`);
      const ae = [...ao.entries()];
      const ee = [...eo.entries()];
      for (let i = 0; i < ee.length; i++) {
        compare(ae[i][0], ee[i][0], `${path}<Map key #${i}>`);
        compare(ae[i][1], ee[i][1], `${path}<Map value #${i}>`);
      }
      return compareKeys(ao, eo, path);
    }
    if (eo instanceof Set) {
      if (ao.size !== eo.size) fail(path, `Set size ${ao.size} vs ${eo.size}`);
      const av = [...ao.values()];
      const ev = [...eo.values()];
      for (let i = 0; i < ev.length; i++) compare(av[i], ev[i], `${path}<Set item #${i}>`);
      return compareKeys(ao, eo, path);
    }
    if (te === "[object Number]" || te === "[object String]" || te === "[object Boolean]" || te === "[object BigInt]") {
      const av = ao.valueOf();
      const ev = eo.valueOf();
      if (!Object.is(av, ev)) fail(path, `boxed ${show(av)} vs ${show(ev)}`);
      if (te !== "[object String]") return compareKeys(ao, eo, path);
      // a String object's own keys include its indices: compare named ones
      const ak = Object.keys(ao).filter((k) => !/^\d+$/.test(k) || +k >= av.length);
      const ek = Object.keys(eo).filter((k) => !/^\d+$/.test(k) || +k >= ev.length);
      if (ak.join("\u0000") !== ek.join("\u0000")) fail(path, `keys ${JSON.stringify(ak)} vs ${JSON.stringify(ek)}`);
      return;
    }
    if (Array.isArray(eo)) {
      if (ao.length !== eo.length) fail(path + ".length", `${ao.length} vs ${eo.length}`);
      return compareKeys(ao, eo, path);
    }
    compareKeys(ao, eo, path);
  };

  /** Own keys (all of them, enumerable or not, symbols too) and their values. */
  const compareKeys = (a: Any, e: Any, path: string): void => {
    const ak = Reflect.ownKeys(a);
    const ek = Reflect.ownKeys(e);
    const fmt = (ks: PropertyKey[]) => JSON.stringify(ks.map(String));
    if (ak.length !== ek.length || ak.some((k, i) => k !== ek[i])) fail(path, `own keys ${fmt(ak)} vs ${fmt(ek)}`);
    for (const k of ek) {
      const ad = Object.getOwnPropertyDescriptor(a, k)!;
      const ed = Object.getOwnPropertyDescriptor(e, k)!;
      const kp = typeof k === "symbol" ? `[${String(k)}]` : keyPath(k);
      if (!!ad.enumerable !== !!ed.enumerable) fail(path + kp, "enumerability differs");
      if ("value" in ed) {
        if (!("value" in ad)) fail(path + kp, "accessor vs data property");
        compare(ad.value, ed.value, path + kp);
      }
    }
  };

  const compareError = (a: Any, e: Any, path: string): void => {
    if (a.name !== e.name) fail(path + ".name", `${show(a.name)} vs ${show(e.name)}`);
    for (const k of ["name", "message", "stack"]) {
      if (hasOwn(a, k) !== hasOwn(e, k)) fail(path + "." + k, `own: ${hasOwn(a, k)} vs ${hasOwn(e, k)}`);
      if (!Object.is(a[k], e[k])) fail(path + "." + k, `${show(a[k])} vs ${show(e[k])}`);
    }
    if (hasOwn(a, "cause") !== hasOwn(e, "cause")) fail(path + ".cause", `own: ${hasOwn(a, "cause")} vs ${hasOwn(e, "cause")}`);
    if (hasOwn(e, "cause")) compare(a.cause, e.cause, path + ".cause");
    const ak = Object.keys(a);
    const ek = Object.keys(e);
    if (ak.join("\u0000") !== ek.join("\u0000")) fail(path, `enumerable keys ${JSON.stringify(ak)} vs ${JSON.stringify(ek)}`);
    for (const k of ek) compare(a[k], e[k], path + keyPath(k));
  };

  const compareBuffer = (a: ArrayBuffer, e: ArrayBuffer, path: string): void => {
    if (a.byteLength !== e.byteLength) fail(path + ".byteLength", `${a.byteLength} vs ${e.byteLength}`);
    if (isResizable(a) !== isResizable(e)) fail(path + ".resizable", `${isResizable(a)} vs ${isResizable(e)}`);
    const am = (a as Any).maxByteLength;
    const em = (e as Any).maxByteLength;
    if (am !== em) fail(path + ".maxByteLength", `${am} vs ${em}`);
    const ab = new Uint8Array(a);
    const eb = new Uint8Array(e);
    for (let i = 0; i < eb.length; i++) {
      if (ab[i] !== eb[i]) fail(`${path}<byte ${i}>`, `${ab[i]} vs ${eb[i]}`);
    }
    compareKeys(a, e, path);
  };

  const compareView = (a: Any, e: Any, path: string): void => {
    const an = taTag.call(a) ?? "DataView";
    const en = taTag.call(e) ?? "DataView";
    if (an !== en) fail(path, `${an} vs ${en}`);
    if (a.byteOffset !== e.byteOffset) fail(path + ".byteOffset", `${a.byteOffset} vs ${e.byteOffset}`);
    if (a.byteLength !== e.byteLength) fail(path + ".byteLength", `${a.byteLength} vs ${e.byteLength}`);
    if (en !== "DataView" && a.length !== e.length) fail(path + ".length", `${a.length} vs ${e.length}`);
    if (en !== "DataView") {
      for (let i = 0; i < e.length; i++) {
        if (!Object.is(a[i], e[i])) fail(`${path}[${i}]`, `${show(a[i])} vs ${show(e[i])}`);
      }
    }
    compare(a.buffer, e.buffer, path + ".buffer");
    // own keys of a typed array are its indices; structuredClone keeps no others
    const extra = (o: Any) => Reflect.ownKeys(o).filter((k) => typeof k !== "string" || !/^\d+$/.test(k));
    if (extra(a).length !== extra(e).length) fail(path, "own non-index keys differ");
  };

  compare(actual, expected, "value");
}
