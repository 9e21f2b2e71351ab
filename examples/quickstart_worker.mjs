import { workerData } from "node:worker_threads";
import { JoinableQueue } from "joinable-queue";

const q = JoinableQueue.attach(workerData);
for (const task of q) { // get() until the queue is shut down and empty
  // ... work on task.url ...
  q.taskDone();
}
