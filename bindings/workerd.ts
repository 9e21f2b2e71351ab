/**
 * The entry point for Cloudflare Workers and workerd (export condition "workerd", which
 * wrangler sets). These hosts refuse to compile WebAssembly from bytes, so the core comes
 * in as a module import: wrangler uploads `core.wasm` as a CompiledWasm module, which
 * workerd hands to this import as a WebAssembly.Module.
 *
 * @example
 * ```ts
 * import { JoinableQueue } from "joinable-queue"; // wrangler picks this file
 * const q = new JoinableQueue<string>();
 * ```
 *
 * @module
 */

import core from "./core.wasm";
import { setDefaultModule } from "./joinable_queue.ts";

/** joinable-queue's core as a WebAssembly.Module (the one the host compiled). */
export function coreModule(): WebAssembly.Module {
  return core;
}

setDefaultModule(coreModule);

export * from "./mod.ts";
