/**
 * The ceiling of the queue's design, without its bindings: the core alone (dist/core.wasm)
 * across two threads, as in scenario S2 but with no JavaScript around the calls. One thread
 * calls put() on 16-byte records, the other take() and taskDone(); on EMPTY the taker
 * watches the epoch word that put() bumps (as the bindings' spin does, never sleeping), and
 * on BUSY it calls again. Every call takes the one lock, so every record costs three lock
 * acquisitions on one shared cache line, which moves between the two cores. With the calls
 * back to back the threads also collide on the lock itself, which the queue's S2 does not
 * (bench/README.md, "Why the targets missed are missed"): this is the core's figure in a
 * tight loop, not S2's bound. Node only (it uses node:worker_threads and reads dist/core.wasm):
 *
 *   npm run build && node bench/core_bound.mjs [records]
 *
 * Prints records/s as the median of 5 runs, with min and max, with and without taskDone().
 */
import { readFileSync } from "node:fs";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

const RECORD = 16;

if (isMainThread) {
  const count = Number(process.argv[2] ?? 3_000_000);
  const module = new WebAssembly.Module(readFileSync(new URL("../dist/core.wasm", import.meta.url)));
  const run = async (taskDone) => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16384, shared: true });
    const core = new WebAssembly.Instance(module, { env: { memory } }).exports;
    if (core.init(0, 16384, 0) !== 0) throw new Error("init failed");
    const scratch = core.allocScratch(16384);
    const consumer = new Worker(new URL(import.meta.url), { workerData: { module, memory, count, taskDone } });
    await new Promise((resolve) => consumer.once("message", resolve));
    const t0 = performance.now();
    for (let i = 0; i < count; i++) while (core.put(scratch, RECORD) !== 0); // OK, or retry on BUSY
    const taken = await new Promise((resolve) => consumer.once("message", resolve));
    const seconds = (performance.now() - t0) / 1000;
    await consumer.terminate();
    if (taken !== count) throw new Error(`FAIL: ${taken} records taken of ${count}`);
    return count / seconds;
  };
  const fmt = (x) => `${(x / 1e6).toFixed(2)}M/s`;
  console.log(`core alone, two threads, ${count.toLocaleString("en-US")} records of ${RECORD} bytes per run (Node ${process.version})`);
  for (const taskDone of [true, false]) {
    await run(taskDone); // warm-up
    const rates = [];
    for (let r = 0; r < 5; r++) rates.push(await run(taskDone));
    rates.sort((a, b) => a - b);
    console.log(`  put | take${taskDone ? " + taskDone" : "           "}: median ${fmt(rates[2])} (min ${fmt(rates[0])}, max ${fmt(rates[4])})`);
  }
} else {
  const { module, memory, count, taskDone } = workerData;
  const core = new WebAssembly.Instance(module, { env: { memory } }).exports;
  core.expectLimits(core.maxsize(), core.maxPages());
  const scratch = core.allocScratch(16384);
  const i32 = new Int32Array(memory.buffer, 0, 64);
  const epoch = core.PUT_EPOCH.value >>> 2;
  const EMPTY = core.EMPTY.value;
  parentPort.postMessage("ready");
  let taken = 0;
  while (taken < count) {
    const seen = Atomics.load(i32, epoch);
    const n = core.take(scratch, 1);
    if (n === EMPTY) {
      while (Atomics.load(i32, epoch) === seen); // reads only: the line stays with the putter
      continue;
    }
    if (n !== 1) continue; // BUSY: again
    taken++;
    if (taskDone) while (core.taskDone() !== 0);
  }
  parentPort.postMessage(taken);
}
