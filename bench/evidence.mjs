// Two claims of the issue shown on this thread alone, without timing:
//
// 1. put() on the "bytes" path allocates nothing per item. N puts of the same 16-byte
//    Uint8Array into an unbounded bytes queue whose storage has already grown (a first
//    round of N puts and gets), against a control loop that allocates one 16-byte
//    Uint8Array per iteration. Measured two ways where the runtime allows:
//      - heap growth: the JS heap's used size read every 1024 iterations, adding up the
//        increases (a collection shows as a decrease and is skipped, so this is a slight
//        underestimate), divided by N: V8's used_heap_size in Node, Deno.memoryUsage() in
//        Deno. Bun (JavaScriptCore) has no such counter: its heap size only changes at
//        collections, so there it is reported as not measurable;
//      - garbage collections during the N puts: Node's "gc" performance entries (Deno and
//        Bun do not emit them).
// 2. No Atomics.notify when nobody waits: during an uncontended put/get/taskDone/join loop,
//    the core's own count of the notifies it made (memory.atomic.notify, a wasm
//    instruction no JavaScript wrapper sees; read through dist/joinable_queue.js's internal
//    notifiesOf) stays 0, Atomics.notify (wrapped to count its calls) is never called, and
//    the waiter counts read after every call stay 0. A control then registers a waiter by
//    hand: one put makes exactly one notify, so the count would show a notify if one were
//    made.
import { JoinableQueue } from "../dist/default.js";
import { notifiesOf } from "../dist/joinable_queue.js";
import { Core } from "../dist/core.js";

const G = globalThis;

async function heapReader() {
  if (G.Deno) return { how: "Deno.memoryUsage().heapUsed", read: () => G.Deno.memoryUsage().heapUsed };
  if (G.Bun) return undefined;
  const v8 = await import("node:v8");
  return { how: "v8.getHeapStatistics().used_heap_size", read: () => v8.getHeapStatistics().used_heap_size };
}

async function gcCounter() {
  if (G.Deno || G.Bun) return undefined;
  const { PerformanceObserver } = await import("node:perf_hooks");
  let count = 0;
  const observer = new PerformanceObserver((list) => { count += list.getEntries().length; });
  observer.observe({ entryTypes: ["gc"] });
  // Entries arrive asynchronously: let them in before reading.
  const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
  return { how: "node:perf_hooks gc entries", count: async () => { await settle(); return count; }, stop: () => observer.disconnect() };
}

let sink; // the control loop's arrays escape here, so no optimiser can drop them

/** Runs body(0 .. n - 1); returns the heap's growth per iteration (undefined: no counter). */
function bytesPerIteration(heap, n, body) {
  if (!heap) {
    for (let i = 0; i < n; i++) body(i);
    return undefined;
  }
  let grown = 0;
  let before = heap.read();
  for (let i = 0; i < n; i++) {
    body(i);
    if ((i & 1023) === 1023) {
      const now = heap.read();
      if (now > before) grown += now - before;
      before = now;
    }
  }
  return grown / n;
}

/** Allocation per put on the bytes path, and the control. */
export async function allocationEvidence({ n }) {
  const heap = await heapReader();
  const gc = await gcCounter();
  const q = new JoinableQueue({ codec: "bytes" });
  try {
    const u8 = new Uint8Array(16);
    for (let i = 0; i < n; i++) q.put(u8); // grows the storage once, and warms put() up
    for (let i = 0; i < n; i++) q.get();
    // The measuring loop itself, compiled and optimised on a body that allocates nothing,
    // so that what the compiler allocates meanwhile is not counted against put().
    bytesPerIteration(heap, n, (i) => { u8[0] = i; });
    const g0 = await gc?.count();
    const putBytes = bytesPerIteration(heap, n, (i) => { u8[0] = i; q.put(u8); });
    const putGcs = gc ? (await gc.count()) - g0 : undefined;
    for (let i = 0; i < n; i++) q.get();
    const g1 = await gc?.count();
    const controlBytes = bytesPerIteration(heap, n, (i) => { sink = new Uint8Array(16); sink[0] = i; });
    const controlGcs = gc ? (await gc.count()) - g1 : undefined;
    gc?.stop();
    return {
      n,
      heapCounter: heap?.how ?? "JavaScriptCore exposes no allocation counter",
      gcCounter: gc?.how ?? "none in this runtime",
      putBytesPerItem: putBytes,
      putGcs,
      controlBytesPerItem: controlBytes,
      controlGcs,
      // Below one byte per put: a per-item object would be tens of bytes.
      zeroAllocation: putBytes === undefined ? undefined : putBytes < 1 && (putGcs ?? 0) === 0,
    };
  } finally {
    q.close();
  }
}

/** Atomics.notify calls and waiter counts during an uncontended loop of n items. */
export function notifyEvidence({ n }) {
  const q = new JoinableQueue({ codec: "bytes" });
  const core = new Core(q.handle.module, q.handle.memory);
  const { GET_WAITERS, PUT_WAITERS, JOIN_WAITERS } = core.words;
  const original = Atomics.notify;
  let notifies = 0;
  let waitersSeen = 0;
  Atomics.notify = function countedNotify(...args) {
    notifies++;
    return original.apply(Atomics, args);
  };
  const look = () => {
    waitersSeen += Atomics.load(core.i32, GET_WAITERS) + Atomics.load(core.i32, PUT_WAITERS) + Atomics.load(core.i32, JOIN_WAITERS);
  };
  let coreNotifies;
  let controlNotifies;
  try {
    const u8 = new Uint8Array(16);
    const before = notifiesOf(q);
    for (let i = 0; i < n; i++) {
      q.put(u8);
      look();
      q.get();
      look();
      q.taskDone();
      look();
    }
    q.join();
    look();
    coreNotifies = notifiesOf(q) - before;
    // The control: a getter registered by hand, as waitSync() registers before it sleeps.
    Atomics.add(core.i32, GET_WAITERS, 1);
    const registered = notifiesOf(q);
    q.put(u8);
    controlNotifies = notifiesOf(q) - registered;
    Atomics.sub(core.i32, GET_WAITERS, 1);
  } finally {
    Atomics.notify = original;
    q.close();
  }
  return {
    n, calls: n * 3 + 1, coreNotifies, controlNotifies, atomicsNotifyCalls: notifies, waiterCountsSeenNonZero: waitersSeen,
    noNotify: coreNotifies === 0 && controlNotifies === 1 && notifies === 0 && waitersSeen === 0,
  };
}
