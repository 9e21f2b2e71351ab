import { JoinableQueue } from "joinable-queue";

// Serve this page with the headers Cross-Origin-Opener-Policy: same-origin and
// Cross-Origin-Embedder-Policy: require-corp, or the queue cannot be shared.
const q = new JoinableQueue({ maxsize: 100 });
const workers = [1, 2].map(() => {
  const worker = new Worker(new URL("./browser_worker.mjs", import.meta.url), { type: "module" });
  worker.postMessage(q.handle);
  return worker;
});

for (let id = 0; id < 1000; id++) await q.putAsync({ id }); // the page's thread may not block
await q.joinAsync(); // resolves once the workers called taskDone() for every item
q.shutdown(); // the workers' loops end
document.body.textContent = `all tasks done by ${workers.length} workers`;
