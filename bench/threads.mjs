// Starting a benchmark worker and talking to it, in either kind of worker: Node's
// node:worker_threads, or the Web Worker that Deno and Bun have natively. A worker serves
// jobs one after another (bench/worker.mjs), so one worker is reused across the warm-up and
// the timed runs and its start-up is never timed.
//
// Protocol: the main thread posts { job, args } (with transferables when a job needs a
// MessagePort); the job's function may post { type: "ready" } when it is set up, and the
// worker posts { type: "done", result } when the job returns or { type: "error", error }
// when it throws.

const isNodeRuntime = typeof globalThis.Deno === "undefined" && typeof globalThis.Bun === "undefined";

/** A worker that serves bench/worker.mjs's jobs. */
export class BenchWorker {
  #ready;
  #send;
  #terminate;
  #inbox = [];
  #waiting = [];
  #dead;

  constructor(url) {
    const receive = (m) => this.#deliver(m);
    const die = (e) => {
      this.#dead = e;
      for (const w of this.#waiting.splice(0)) w.reject(e);
    };
    if (isNodeRuntime) {
      // Deferred import so that Deno and Bun never need node:worker_threads here.
      this.#ready = import("node:worker_threads").then(({ Worker }) => {
        const w = new Worker(url, { workerData: { mode: "worker_threads" } });
        w.on("message", receive);
        w.on("error", die);
        w.on("exit", (code) => die(new Error(`worker exited (code ${code})`)));
        this.#send = (m, transfer) => w.postMessage(m, transfer);
        this.#terminate = () => w.terminate();
      });
    } else {
      const w = new globalThis.Worker(url, { type: "module" });
      w.onmessage = (e) => receive(e.data);
      w.onerror = (e) => {
        e.preventDefault?.();
        die(new Error(`worker error: ${e.message}`));
      };
      this.#send = (m, transfer) => w.postMessage(m, transfer);
      this.#terminate = () => w.terminate();
      this.#ready = Promise.resolve();
    }
  }

  #deliver(m) {
    const w = this.#waiting.shift();
    if (w) w.resolve(m);
    else this.#inbox.push(m);
  }

  /** Starts `job` with `args` in the worker. */
  async start(job, args, transfer = []) {
    await this.#ready;
    if (this.#dead) throw this.#dead;
    this.#send({ job, args }, transfer);
  }

  /** The worker's next message, or a rejection after `timeoutMs` or if the worker dies. */
  next(timeoutMs) {
    if (this.#inbox.length > 0) return Promise.resolve(this.#inbox.shift());
    if (this.#dead) return Promise.reject(this.#dead);
    return new Promise((resolve, reject) => {
      const entry = {};
      const timer = setTimeout(() => {
        this.#waiting.splice(this.#waiting.indexOf(entry), 1);
        reject(new Error(`no message from the worker within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      entry.resolve = (m) => { clearTimeout(timer); resolve(m); };
      entry.reject = (e) => { clearTimeout(timer); reject(e); };
      this.#waiting.push(entry);
    });
  }

  /** Waits for a message of `type` ("ready" or "done"); an error message rejects. */
  async expect(type, timeoutMs) {
    const m = await this.next(timeoutMs);
    if (m.type === "error") throw new Error(`worker: ${m.error.name}: ${m.error.message}\n${m.error.stack ?? ""}`);
    if (m.type !== type) throw new Error(`worker: expected a "${type}" message, got "${m.type}"`);
    return m.result;
  }

  async terminate() {
    await this.#ready;
    this.#dead ??= new Error("worker terminated");
    await this.#terminate();
  }
}

/**
 * In a worker: serves the jobs of `jobs` (name -> function(args, ready)), one at a time.
 * `ready()` posts { type: "ready" }; a job may be synchronous and block the thread.
 */
export async function serveJobs(jobs) {
  const threads = await import("node:worker_threads").catch(() => null);
  let post;
  let listen;
  if (threads?.workerData?.mode === "worker_threads") {
    post = (m) => threads.parentPort.postMessage(m);
    listen = (f) => threads.parentPort.on("message", f);
  } else {
    post = (m) => self.postMessage(m);
    listen = (f) => { self.onmessage = (e) => f(e.data); };
  }
  const ready = () => post({ type: "ready" });
  // Jobs run one after another: a message that arrives while one runs waits its turn.
  let queue = Promise.resolve();
  listen((m) => {
    queue = queue.then(async () => {
      try {
        const fn = jobs[m.job];
        if (!fn) throw new Error(`unknown job ${m.job}`);
        post({ type: "done", result: await fn(m.args, ready) });
      } catch (e) {
        post({ type: "error", error: { name: e?.name, message: e?.message, stack: e?.stack } });
      }
    });
  });
}
