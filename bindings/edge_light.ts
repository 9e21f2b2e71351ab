/**
 * The entry point for the Vercel Edge Runtime (export condition "edge-light"). It refuses
 * to compile WebAssembly from bytes; Vercel's documented way in is an import with the
 * `?module` suffix, which its bundler turns into a WebAssembly.Module.
 *
 * @example
 * ```ts
 * import { JoinableQueue } from "joinable-queue"; // Vercel's bundler picks this file
 * const q = new JoinableQueue<string>();
 * ```
 *
 * @module
 */

import core from "./core.wasm?module";
import { setDefaultModule } from "./joinable_queue.ts";

/** joinable-queue's core as a WebAssembly.Module (the one the host compiled). */
export function coreModule(): WebAssembly.Module {
  return core;
}

setDefaultModule(coreModule);

export * from "./mod.ts";
