// A run's blocking calls on the main thread pass no timeout (it would cost a clock read per
// call). So that a hang still fails, a watchdog worker holds the run's queues meanwhile and
// shuts them down (immediately) if the run is not over within the time limit: the blocked
// call then throws ShutDown, and the run reports the hang.
import { JoinableQueue } from "../dist/default.js";

export class Watchdog {
  constructor(worker, timeoutMs) {
    this.worker = worker;
    this.timeoutMs = timeoutMs;
  }

  /** Runs the synchronous `fn` under watch of the queues of `handles`; returns its result. */
  async watch(handles, fn) {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    await this.worker.start("watchdog.watch", { handles, flag: flag.buffer, ms: this.timeoutMs });
    await this.worker.expect("ready", this.timeoutMs);
    let result;
    let error;
    try {
      result = fn();
    } catch (e) {
      error = e;
    }
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    const { fired } = await this.worker.expect("done", this.timeoutMs);
    if (fired) throw new Error(`hung: not done within ${this.timeoutMs / 1000} s (the watchdog shut the queue down${error ? `; then: ${error.message}` : ""})`);
    if (error) throw error;
    return result;
  }
}

export const jobs = {
  "watchdog.watch"({ handles, flag, ms }, ready) {
    const queues = handles.map((h) => JoinableQueue.attach(h));
    try {
      const done = new Int32Array(flag);
      ready();
      const end = performance.now() + ms;
      while (Atomics.load(done, 0) === 0) {
        const left = end - performance.now();
        if (left <= 0) {
          for (const q of queues) q.shutdown(true);
          return { fired: true };
        }
        Atomics.wait(done, 0, 0, left);
      }
      return { fired: false };
    } finally {
      for (const q of queues) q.close();
    }
  },
};
