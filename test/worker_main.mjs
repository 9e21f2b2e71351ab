// How every worker script of the tests starts, in either kind of worker: under
// node:worker_threads its job is workerData (with mode "worker_threads"); as a Web Worker,
// the first message.
import { JoinableQueue } from "joinable-queue";

/** Calls `main(data, post)` in the worker with the job its starter handed it. */
export async function workerMain(main) {
  const threads = await import("node:worker_threads").catch(() => null);
  if (threads?.workerData?.mode === "worker_threads") {
    await main(threads.workerData, (m) => threads.parentPort.postMessage(m));
  } else {
    self.onmessage = (event) => {
      self.onmessage = null;
      void main(event.data, (m) => self.postMessage(m));
    };
  }
}

/** workerMain for a job on a queue: attaches to `job.handle`, posts what `work(q, job, post)`
 * returns as `{ ok: true, result }` or what it throws as `{ ok: false, error }`, and closes
 * the handle. */
export function workOnQueue(work) {
  return workerMain(async (job, post) => {
    let q;
    try {
      q = JoinableQueue.attach(job.handle);
      post({ ok: true, result: await work(q, job, post) });
    } catch (e) {
      post({ ok: false, error: { name: e?.name, message: e?.message, stack: e?.stack } });
    } finally {
      q?.close();
    }
  });
}
