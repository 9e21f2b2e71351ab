// The worker-pool pattern of Python's queue documentation, with real threads:
// the main thread puts N tasks, W worker threads get() each one, do the work and call
// taskDone(), and the main thread join()s. Runs unchanged in Node, Deno and Bun, with no
// flags: Web Workers where the runtime has them (Deno, Bun), node:worker_threads in Node.
//
//   node examples/demo.mjs [tasks] [workers]      (also: npm run demo, deno task demo, bun run demo)
//
// Progress goes to stderr: a bar on a terminal, plain lines otherwise. The result line
// (tasks, workers, items/s, and a checksum proving each task was done exactly once) goes
// to stdout.
import process from "node:process";
import { JoinableQueue } from "joinable-queue";

const threads = typeof globalThis.Worker === "function" ? null : await import("node:worker_threads");

await main();

/** Starts a worker thread running demo_worker.mjs; resolves with its report. */
function startWorker(handle) {
  const url = new URL("./demo_worker.mjs", import.meta.url);
  return new Promise((resolve, reject) => {
    if (threads) {
      const w = new threads.Worker(url, { workerData: { handle } });
      w.once("message", resolve);
      w.once("error", reject);
    } else {
      const w = new Worker(url, { type: "module" });
      w.onmessage = (event) => { resolve(event.data); w.terminate(); };
      w.onerror = (event) => reject(new Error(event.message));
      w.postMessage({ handle });
    }
  });
}

function argument(index, name, fallback) {
  const text = process.argv[index];
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`demo: ${name} must be a positive integer; received ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}

async function main() {
  const tasks = argument(2, "tasks", 200_000);
  const workers = argument(3, "workers", 2);
  const q = new JoinableQueue({ maxsize: 4096 });
  const progress = progressReporter(tasks);
  const results = Array.from({ length: workers }, () => startWorker(q.handle));

  const started = performance.now();
  const chunk = 1024;
  for (let id = 0; id < tasks;) {
    const end = Math.min(tasks, id + chunk);
    for (; id < end; id++) q.put({ id, name: `task ${id}` });
    progress(tasks - q.unfinishedTasks);
  }
  const ticker = setInterval(() => progress(tasks - q.unfinishedTasks), 100);
  await q.joinAsync(); // every task is done
  clearInterval(ticker);
  const seconds = (performance.now() - started) / 1000;
  progress(tasks, true);

  q.shutdown(); // workers blocked in get() wake with ShutDown and report
  const reports = await Promise.all(results);
  const sum = reports.reduce((s, r) => s + r.sum, 0);
  const done = reports.reduce((n, r) => n + r.done, 0);
  const expected = (tasks * (tasks - 1)) / 2;
  const ok = done === tasks && sum === expected;
  console.log(
    `${ok ? "ok" : "FAIL"}: ${tasks} tasks by ${workers} workers in ${seconds.toFixed(2)} s: ` +
      `${Math.round(tasks / seconds).toLocaleString("en-US")} items/s ` +
      `(done ${done}, checksum ${sum === expected ? "matches" : `${sum} != ${expected}`})`,
  );
  q.close();
  if (!ok) process.exit(1);
}

/** Draws a bar on a terminal; prints a plain line every 10% otherwise. */
function progressReporter(total) {
  const tty = Boolean(process.stderr.isTTY);
  let lastTenth = -1;
  return (done, final = false) => {
    const fraction = total === 0 ? 1 : done / total;
    if (tty) {
      const width = 30;
      const filled = Math.round(fraction * width);
      process.stderr.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}${final ? "\n" : ""}`);
    } else {
      const tenth = Math.floor(fraction * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        process.stderr.write(`progress: ${done}/${total} tasks done (${tenth * 10}%)\n`);
      }
    }
  };
}
