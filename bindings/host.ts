/**
 * Whether another thread could ever reach a queue made here. On most hosts it can (Node,
 * Deno and Bun workers; Web Workers of a cross-origin isolated page). On some it never can:
 *
 * - workerd (Cloudflare Workers) and the Vercel Edge Runtime give an isolate one thread
 *   and no Web Workers, and refuse to block (workerd throws from Atomics.wait);
 * - a browser page or worker that is not cross-origin isolated may create a shared memory
 *   but not send it to another thread (postMessage throws a DataCloneError).
 *
 * There the queue works in single-isolate mode: its waits are promises this isolate
 * resolves itself (local_waiters.ts), blocking calls throw (nothing could wake them), and
 * `q.handle` says why the queue cannot be shared.
 *
 * @module
 */

import { messages } from "./errors.ts";

declare const EdgeRuntime: unknown;

let reason: string | null | undefined;

/** Why no other thread can share a queue made here; undefined where one can. */
export function singleIsolateReason(): string | undefined {
  if (reason === undefined) reason = detect() ?? null;
  return reason ?? undefined;
}

function detect(): string | undefined {
  const g = globalThis as { navigator?: { userAgent?: unknown }; crossOriginIsolated?: unknown };
  // Cloudflare documents this exact user agent as the way to recognize workerd.
  if (g.navigator?.userAgent === "Cloudflare-Workers") return messages.hosts.workerd;
  // Vercel documents `typeof EdgeRuntime === "string"` as the test for its Edge Runtime.
  if (typeof EdgeRuntime === "string") return messages.hosts.edgeRuntime;
  // Browsers define crossOriginIsolated (Node, Deno and Bun do not), and hide the
  // SharedArrayBuffer global when it is false. Both, so that a DOM emulation running in
  // Node (which may define the flag) keeps its threads.
  if (g.crossOriginIsolated === false && typeof SharedArrayBuffer === "undefined") {
    return messages.hosts.notIsolated;
  }
  return undefined;
}

/**
 * Steps of the pause the core makes after each look at a held lock (assembly/queue.ts,
 * `setLockPause`). JavaScriptCore needs one: in Bun, two threads that keep looking at the
 * lock starve the thread that holds it, and a pause of 512 steps (about a microsecond)
 * doubled S2's rate; V8 (Node, Deno) does better without, where a bounded queue's threads
 * hand over often (bench/README.md). Safari's JavaScriptCore is not measured, so it keeps
 * the default.
 */
export function lockPauseForThisEngine(): number {
  return typeof (globalThis as { Bun?: unknown }).Bun === "undefined" ? 0 : BUN_LOCK_PAUSE;
}

const BUN_LOCK_PAUSE = 512;
