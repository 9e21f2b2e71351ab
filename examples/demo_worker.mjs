// A worker of demo.mjs: takes tasks until the queue is shut down, calling taskDone() for
// each, then reports how many it did and the sum of their ids. Started as a Web Worker
// (first message) or a node:worker_threads worker (workerData).
import { JoinableQueue, ShutDown } from "joinable-queue";

function work(handle, report) {
  const q = JoinableQueue.attach(handle);
  let sum = 0;
  let done = 0;
  for (;;) {
    let task;
    try {
      task = q.get();
    } catch (e) {
      if (e instanceof ShutDown) break;
      throw e;
    }
    sum += task.id; // the "work"
    done++;
    q.taskDone();
  }
  q.close();
  report({ sum, done });
}

const threads = typeof globalThis.WorkerGlobalScope === "undefined" && typeof self === "undefined"
  ? await import("node:worker_threads")
  : null;
if (threads?.workerData?.handle) {
  work(threads.workerData.handle, (report) => threads.parentPort.postMessage(report));
} else {
  self.onmessage = (event) => work(event.data.handle, (report) => self.postMessage(report));
}
