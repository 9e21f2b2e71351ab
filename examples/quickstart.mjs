import { Worker } from "node:worker_threads";
import { JoinableQueue } from "joinable-queue";

const q = new JoinableQueue({ maxsize: 100 }); // put() waits while 100 items are queued
const workerUrl = new URL("./quickstart_worker.mjs", import.meta.url);
const workers = [1, 2].map(() => new Worker(workerUrl, { workerData: q.handle }));

for (let id = 0; id < 1000; id++) q.put({ id, url: `https://example.com/${id}` });
q.join(); // returns once the workers called taskDone() for every item
q.shutdown(); // the workers' loops end; they exit
console.log(`all tasks done by ${workers.length} workers`);
