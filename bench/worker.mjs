// The benchmark's worker: serves the jobs of the scenarios and the references, one after
// another, in a node:worker_threads worker or a Web Worker (threads.mjs).
import { serveJobs } from "./threads.mjs";
import { jobs as ours } from "./ours.mjs";
import { jobs as postMessage } from "./ref_post_message.mjs";
import { jobs as ring } from "./ref_sab_ring.mjs";
import { jobs as watchdog } from "./watchdog.mjs";

await serveJobs({ ...ours, ...postMessage, ...ring, ...watchdog });
