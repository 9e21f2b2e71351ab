/**
 * The compiled core from bytes embedded in this package (base64 in core_wasm.ts, which
 * the build writes): no file read, no fetch, no permission, and bundlers need no loader.
 * Hosts that refuse to compile WebAssembly from bytes need another entry point; there the
 * error says which.
 *
 * @module
 */

import { coreWasmBase64 } from "./core_wasm.ts";
import { messages } from "./errors.ts";

let compiled: WebAssembly.Module | undefined;

/** joinable-queue's core as a WebAssembly.Module, compiled once per thread on first use. */
export function embeddedModule(): WebAssembly.Module {
  if (!compiled) {
    const text = atob(coreWasmBase64);
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    try {
      compiled = new WebAssembly.Module(bytes);
    } catch (cause) {
      // workerd and Vercel Edge: "Wasm code generation disallowed by embedder".
      const refused = new WebAssembly.CompileError(messages.compileRefused(cause));
      Object.defineProperty(refused, "cause", { value: cause, writable: true, configurable: true });
      throw refused;
    }
  }
  return compiled;
}
