// How every worker script of the tests starts, in either kind of worker: under
// node:worker_threads its job is workerData (with mode "worker_threads"); as a Web Worker,
// the first message.

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
