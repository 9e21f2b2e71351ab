// Starting and terminating real workers from plain JavaScript, the same way in Node, Deno
// and Bun: node:worker_threads workers everywhere, Web Workers where the runtime has them.
// (test/harness.ts does the same for the test files; the torture engine and the terminate()
// probes are plain .mjs so that scripts/torture.mjs runs them unmodified in each runtime.)
import { Worker as ThreadWorker } from "node:worker_threads";

export const runtime = typeof Deno !== "undefined" ? "deno" : typeof Bun !== "undefined" ? "bun" : "node";

/** The kinds of worker this runtime offers. */
export const workerKinds = typeof globalThis.Worker === "function" && runtime !== "node"
  ? ["worker_threads", "web"]
  : ["worker_threads"];

/**
 * Starts the module at `url` as a worker of `kind` and hands it `data` (as workerData, or
 * as the first message of a Web Worker). Messages it posts go to `onMessage`.
 * `exited` resolves when a node:worker_threads worker is gone (its 'exit' event); a Web
 * Worker has no such event, so there it never resolves and callers look at shared
 * counters instead.
 */
export function startThread(kind, url, data, onMessage = () => {}) {
  if (kind === "worker_threads") {
    const w = new ThreadWorker(url, { workerData: { ...data, mode: "worker_threads" } });
    const exited = new Promise((resolve) => w.once("exit", resolve));
    w.on("message", onMessage);
    w.on("error", (e) => onMessage({ error: { name: e?.name, message: e?.message, stack: e?.stack } }));
    return { kind, exited, terminate: () => { void w.terminate(); } };
  }
  if (kind === "web") {
    const w = new globalThis.Worker(url, { type: "module" });
    w.onmessage = (e) => onMessage(e.data);
    w.onerror = (e) => {
      e.preventDefault?.();
      onMessage({ error: { name: "Error", message: `worker error: ${e.message}` } });
    };
    w.postMessage({ ...data, mode: "web" });
    return { kind, exited: new Promise(() => {}), terminate: () => w.terminate() };
  }
  throw new TypeError(`unknown worker kind ${kind}`);
}

export { workerMain } from "../worker_main.mjs";

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `test()` holds, polling every few ms; false after `ms`. */
export async function until(test, ms) {
  const end = performance.now() + ms;
  while (!test()) {
    if (performance.now() > end) return false;
    await sleep(2);
  }
  return true;
}
