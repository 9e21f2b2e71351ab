/**
 * Argument checks for every public method, in one place, with one message grammar
 * (errors.ts). Each check throws before the queue is touched, so bad input changes nothing.
 *
 * @module
 */

import { rangeError, typeError } from "./errors.ts";

export const MIN_MAX_BYTES = 65536;
export const MAX_MAX_BYTES = 4294901760; // 65535 pages of 64 KiB: the wasm32 ceiling
export const DEFAULT_MAX_BYTES = 1 << 30;
export const MAX_MAXSIZE = 0xffff_ffff;

export interface BlockingOptions {
  block: boolean;
  timeout: number | undefined;
}

export interface AsyncOptions {
  timeout: number | undefined;
  signal: AbortSignal | undefined;
}

function optionsObject(method: string, options: unknown): Record<string, unknown> | undefined {
  if (options === undefined) return undefined;
  if (options === null || typeof options !== "object") {
    throw typeError(method, "options", "an object or undefined", options);
  }
  return options as Record<string, unknown>;
}

/** A timeout in milliseconds: undefined or Infinity waits forever. */
export function checkTimeout(method: string, argument: string, timeout: unknown): number | undefined {
  if (timeout === undefined) return undefined;
  if (typeof timeout !== "number") {
    throw typeError(method, argument, "a number of milliseconds or undefined", timeout);
  }
  if (Number.isNaN(timeout) || timeout < 0) {
    throw rangeError(method, argument, "a non-negative number of milliseconds", timeout);
  }
  return timeout;
}

function checkSignal(method: string, signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (typeof AbortSignal === "undefined" || !(signal instanceof AbortSignal)) {
    throw typeError(method, "options.signal", "an AbortSignal or undefined", signal);
  }
  return signal;
}

const BLOCK_FOREVER: BlockingOptions = Object.freeze({ block: true, timeout: undefined });

/** `{ block?: boolean; timeout?: number }` of put/get/putMany/getMany. */
export function blockingOptions(method: string, options: unknown): BlockingOptions {
  if (options === undefined) return BLOCK_FOREVER; // the common case allocates nothing
  const o = optionsObject(method, options)!;
  const block = o.block;
  if (block !== undefined && typeof block !== "boolean") {
    throw typeError(method, "options.block", "a boolean or undefined", block);
  }
  return { block: block ?? true, timeout: checkTimeout(method, "options.timeout", o.timeout) };
}

/** `{ timeout?: number; signal?: AbortSignal }` of the async methods. */
export function asyncOptions(method: string, options: unknown): AsyncOptions {
  const o = optionsObject(method, options);
  if (o === undefined) return { timeout: undefined, signal: undefined };
  return {
    timeout: checkTimeout(method, "options.timeout", o.timeout),
    signal: checkSignal(method, o.signal),
  };
}

/** `{ signal?: AbortSignal }` of consume(). */
export function signalOption(method: string, options: unknown): AbortSignal | undefined {
  const o = optionsObject(method, options);
  return o === undefined ? undefined : checkSignal(method, o.signal);
}

export function checkMaxsize(method: string, argument: string, maxsize: unknown): number {
  if (maxsize === undefined) return 0;
  if (typeof maxsize !== "number") {
    throw typeError(method, argument, "an integer number of items (<= 0 for unbounded)", maxsize);
  }
  if (!Number.isInteger(maxsize) || maxsize > MAX_MAXSIZE) {
    throw rangeError(method, argument, `an integer up to ${MAX_MAXSIZE} (<= 0 for unbounded)`, maxsize);
  }
  return maxsize <= 0 ? 0 : maxsize;
}

export function checkMaxBytes(method: string, maxBytes: unknown): number {
  if (maxBytes === undefined) return DEFAULT_MAX_BYTES;
  if (typeof maxBytes !== "number") {
    throw typeError(method, "options.maxBytes", "an integer number of bytes", maxBytes);
  }
  if (!Number.isInteger(maxBytes) || maxBytes < MIN_MAX_BYTES || maxBytes > MAX_MAX_BYTES) {
    throw rangeError(method, "options.maxBytes",
      `an integer from ${MIN_MAX_BYTES} to ${MAX_MAX_BYTES}`, maxBytes);
  }
  return maxBytes;
}

/**
 * Whether `value` is a WebAssembly.Module of any realm. Not instanceof: Vercel's tools
 * compile `.wasm?module` imports in the host's realm and hand them to the edge sandbox,
 * whose WebAssembly.Module is another constructor. The engine's own brand check decides.
 */
export function isWasmModule(value: unknown): value is WebAssembly.Module {
  if (value === null || typeof value !== "object") return false;
  try {
    WebAssembly.Module.exports(value as WebAssembly.Module);
    return true;
  } catch {
    return false;
  }
}

export function checkModule(method: string, module: unknown): WebAssembly.Module | undefined {
  if (module === undefined) return undefined;
  if (!isWasmModule(module)) {
    throw typeError(method, "options.module", "a WebAssembly.Module or undefined", module);
  }
  return module;
}

export function checkBatchSize(method: string, max: unknown): number {
  if (typeof max !== "number") throw typeError(method, "max", "a positive integer", max);
  if (!Number.isInteger(max) || max < 1) throw rangeError(method, "max", "a positive integer", max);
  return max;
}

export function checkImmediate(method: string, immediate: unknown): boolean {
  if (immediate === undefined) return false;
  if (typeof immediate !== "boolean") {
    throw typeError(method, "immediate", "a boolean or undefined", immediate);
  }
  return immediate;
}

export function checkHandler(method: string, handler: unknown): (item: never) => unknown {
  if (typeof handler !== "function") throw typeError(method, "handler", "a function", handler);
  return handler as (item: never) => unknown;
}

/** Materializes putMany's items, rejecting what is not iterable. */
export function checkItems<T>(method: string, items: unknown): T[] {
  if (items === null || items === undefined ||
      typeof (items as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function") {
    throw typeError(method, "items", "an iterable of items", items);
  }
  return Array.isArray(items) ? items as T[] : Array.from(items as Iterable<T>);
}

/** Throws the abort reason of an already-aborted signal (as fetch does). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}
