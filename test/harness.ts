// The shared test harness: which runtime runs the suite, and real workers running the
// named scenarios of worker.mjs, as node:worker_threads workers (in every runtime) and as
// Web Workers (where the runtime has them: Deno and Bun). Every wait is bounded, so a
// hang fails its test instead of stalling the run.
import { Worker as ThreadWorker } from "node:worker_threads";
import type { QueueHandle } from "joinable-queue";

declare const Deno: unknown;
declare const Bun: unknown;

export const runtime: "node" | "deno" | "bun" =
  typeof Deno !== "undefined" ? "deno" : typeof Bun !== "undefined" ? "bun" : "node";

export type WorkerKind = "worker_threads" | "web";

/** The kinds of worker this runtime offers; tests run once per kind. */
export const workerKinds: WorkerKind[] =
  typeof (globalThis as { Worker?: unknown }).Worker === "function" && runtime !== "node"
    ? ["worker_threads", "web"]
    : ["worker_threads"];

/** How long a worker may take before its test fails (the workers' own waits are 30 s). */
export const WORKER_TIMEOUT_MS = 60_000;

const workerUrl = new URL("./worker.mjs", import.meta.url);

export interface RunningWorker<R> {
  /** Resolves when the scenario says it is about to block. */
  ready: Promise<void>;
  /** The scenario's result; rejects with its error, or after WORKER_TIMEOUT_MS. */
  result: Promise<R>;
  /** Stops the worker at once. */
  terminate(): Promise<void>;
}

type Message = { ready: true } | { ok: true; result: unknown } | { ok: false; error: { name: string; message: string; stack?: string } };

/** Starts `scenario` of worker.mjs in a new worker of `kind`, on the queue of `handle`. */
export function startWorker<R = unknown>(
  kind: WorkerKind, scenario: string, handle: QueueHandle, args: Record<string, unknown> = {},
): RunningWorker<R> {
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => { onReady = resolve; });
  let settle!: (m: Message) => void;
  let fail!: (e: Error) => void;
  const result = new Promise<R>((resolve, reject) => {
    settle = (m) => {
      if ("ready" in m) return onReady();
      if (m.ok) return resolve(m.result as R);
      const e = new Error(`worker scenario ${scenario} failed: ${m.error.name}: ${m.error.message}\n${m.error.stack ?? ""}`);
      e.name = m.error.name;
      reject(e);
    };
    fail = reject;
  });
  let terminate: () => Promise<void>;
  if (kind === "worker_threads") {
    const w = new ThreadWorker(workerUrl, { workerData: { mode: "worker_threads", scenario, handle, args } });
    w.on("message", settle);
    w.on("error", (e) => fail(e));
    w.on("exit", (code) => fail(new Error(`worker scenario ${scenario} exited (code ${code}) without a result`)));
    terminate = async () => { await w.terminate(); };
  } else {
    const w = new (globalThis as unknown as { Worker: typeof globalThis.Worker }).Worker(workerUrl, { type: "module" });
    w.onmessage = (e: MessageEvent) => settle(e.data as Message);
    w.onerror = (e: ErrorEvent) => { e.preventDefault?.(); fail(new Error(`worker error: ${e.message}`)); };
    w.postMessage({ scenario, handle, args });
    terminate = async () => { w.terminate(); };
  }
  const timer = setTimeout(() => {
    fail(new Error(`worker scenario ${scenario} did not finish within ${WORKER_TIMEOUT_MS} ms`));
  }, WORKER_TIMEOUT_MS);
  const done = result.finally(() => { clearTimeout(timer); void terminate(); });
  done.catch(() => {});
  return { ready, result: done, terminate };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects if `promise` has not settled within `ms` (for calls that could hang). */
export function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Whether a promise is still pending after the current macrotask queue drains. */
export async function isPending(promise: Promise<unknown>, ms = 20): Promise<boolean> {
  const marker = Symbol("pending");
  const winner = await Promise.race([promise.then(() => "settled", () => "settled"), sleep(ms).then(() => marker)]);
  return winner === marker;
}
