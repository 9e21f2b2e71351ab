// Scenarios 1 to 5 on the queue (the build in ../dist/): the main-thread half of each run,
// and the jobs its workers do (run by bench/worker.mjs). A run returns what it moved, how
// long it took and the consumers' tallies (items.mjs); the caller checks them.
//
// The clock covers the producer's first put to the return of join(), after the consumer's
// last taskDone(). The main thread's hot loops pass no timeout (a timeout costs a clock
// read per call); a watchdog worker shuts the queue down if a run hangs instead
// (run.mjs), which wakes the blocked call with ShutDown.
import { JoinableQueue, ShutDown } from "../dist/default.js";
import * as waitModule from "../dist/wait.js";
import { makeObject, RECORD_BYTES, sendInBatches, Tally, writeRecord } from "./items.mjs";

/** The spin knob of dist/wait.js, when the build has one. */
export const spinKnob = "tuning" in waitModule ? waitModule.tuning : undefined;
const defaultSpin = spinKnob?.spinMicros;
/** Sets the spin knob to `micros` (undefined: the default), where there is one. */
function setSpin(micros) {
  if (spinKnob) spinKnob.spinMicros = micros ?? defaultSpin;
}

function codecOf(items) {
  return items === "object" ? "structured" : "bytes";
}

/**
 * S1, S2, S3: one producer (this thread), one consumer (a worker) calling taskDone() for
 * each item; this thread join()s. `batch` > 0: putMany/getMany of that many items.
 */
export async function spsc({ workers: [consumer], count, timeoutMs, watch }, { items, maxsize, batch = 0 }) {
  const q = new JoinableQueue({ maxsize, codec: codecOf(items) });
  try {
    await consumer.start("ours.consumer", { handle: q.handle, count, items, batch });
    await consumer.expect("ready", timeoutMs);
    const seconds = await watch([q.handle], () => {
      const t0 = performance.now();
      if (batch > 0) putBatches(q, items, count, batch, 0);
      else if (items === "object") for (let i = 0; i < count; i++) q.put(makeObject(i));
      else putRecords(q, count, 0);
      if (!q.join(timeoutMs)) throw new Error(`join() timed out after ${timeoutMs / 1000} s`);
      return (performance.now() - t0) / 1000;
    });
    const tally = await consumer.expect("done", timeoutMs);
    return { items: count, seconds, tallies: [tally], expected: { kind: items, counts: [count] } };
  } finally {
    q.close();
  }
}

function putRecords(q, count, producer) {
  const u8 = new Uint8Array(RECORD_BYTES);
  const i32 = new Int32Array(u8.buffer);
  for (let i = 0; i < count; i++) {
    writeRecord(i32, 0, i, producer);
    q.put(u8); // put copies the bytes: the same array serves every item
  }
}

function putBatches(q, items, count, batch, producer) {
  sendInBatches(items, count, batch, producer, (list) => q.putMany(list));
}

const GO = 0;
const PUT_DONE = 1;

/**
 * S4: `producers` producer workers and `consumers` consumer workers on one queue of
 * records; this thread join()s, then shuts the queue down to end the consumers.
 */
export async function mpmc({ workers, count, timeoutMs, watch }, { producers, consumers, maxsize }) {
  const q = new JoinableQueue({ maxsize, codec: "bytes" });
  // [GO]: set by this thread to start the producers; [PUT_DONE]: producers done putting.
  const go = new Int32Array(new SharedArrayBuffer(8));
  const counts = Array.from({ length: producers }, (_, p) => Math.floor(count / producers) + (p < count % producers ? 1 : 0));
  const consumerWorkers = workers.slice(0, consumers);
  const producerWorkers = workers.slice(consumers, consumers + producers);
  try {
    for (const w of consumerWorkers) await w.start("ours.mpmcConsumer", { handle: q.handle, producers });
    for (const [p, w] of producerWorkers.entries()) await w.start("ours.mpmcProducer", { handle: q.handle, go: go.buffer, producer: p, count: counts[p] });
    for (const w of [...consumerWorkers, ...producerWorkers]) await w.expect("ready", timeoutMs);
    let seconds;
    const started = watch([q.handle], () => {
      const t0 = performance.now();
      Atomics.store(go, GO, 1);
      Atomics.notify(go, GO);
      // join() counts only what was put: wait until every put returned, as Python's main
      // would join() after its producers (no clock read or spin while it waits).
      for (let done; (done = Atomics.load(go, PUT_DONE)) < producers;) {
        if (Atomics.wait(go, PUT_DONE, done, timeoutMs) === "timed-out") throw new Error(`producers not done within ${timeoutMs / 1000} s`);
      }
      if (!q.join(timeoutMs)) throw new Error(`join() timed out after ${timeoutMs / 1000} s`);
      return (performance.now() - t0) / 1000;
    });
    // A producer's error says more than "not done", and the first error more than the
    // ShutDown it caused in the others (shutDownOnError): read every producer's message.
    const outcomes = await Promise.allSettled([started, ...producerWorkers.map((w) => w.expect("done", timeoutMs))]);
    const errors = outcomes.filter((o) => o.status === "rejected").map((o) => o.reason);
    if (errors.length > 0) throw errors.find((e) => !/ShutDown/.test(e.message)) ?? errors[0];
    seconds = outcomes[0].value;
    q.shutdown();
    const tallies = [];
    for (const w of consumerWorkers) tallies.push(await w.expect("done", timeoutMs));
    return { items: count, seconds, tallies, expected: { kind: "record", counts } };
  } finally {
    q.close();
  }
}

/**
 * S5: this thread puts one record on queue A and gets it back from queue B, where a worker
 * echoes it. Returns each round trip's time in microseconds. `spinMicros` sets the spin
 * knob on both sides (undefined: leave the default).
 */
export async function pingPong({ workers: [echo], count, timeoutMs, watch }, { spinMicros }) {
  const a = new JoinableQueue({ codec: "bytes" });
  const b = new JoinableQueue({ codec: "bytes" });
  try {
    await echo.start("ours.echo", { a: a.handle, b: b.handle, count, spinMicros });
    await echo.expect("ready", timeoutMs);
    setSpin(spinMicros);
    const tally = new Tally();
    const samples = new Float64Array(count);
    const u8 = new Uint8Array(RECORD_BYTES);
    const i32 = new Int32Array(u8.buffer);
    await watch([a.handle, b.handle], () => {
      for (let i = 0; i < count; i++) {
        writeRecord(i32, 0, i, 0);
        const t0 = performance.now();
        a.put(u8);
        const back = b.get();
        samples[i] = performance.now() - t0;
        tally.addRecordBytes(back, 0);
      }
    });
    await echo.expect("done", timeoutMs);
    for (let i = 0; i < count; i++) samples[i] *= 1000;
    return { items: count, samplesUs: samples, tallies: [tally.result()], expected: { kind: "record", counts: [count] } };
  } finally {
    setSpin(undefined);
    a.close();
    b.close();
  }
}

// ---- the workers' jobs ------------------------------------------------------------------

/** On an unexpected error a worker shuts its queue down, so no other thread stays blocked. */
function shutDownOnError(queues, work) {
  try {
    return work();
  } catch (e) {
    for (const q of queues) try { q.shutdown(true); } catch { /* closed or damaged: nothing to wake */ }
    throw e;
  } finally {
    for (const q of queues) q.close();
  }
}

export const jobs = {
  "ours.consumer"({ handle, count, items, batch }, ready) {
    const q = JoinableQueue.attach(handle);
    return shutDownOnError([q], () => {
      const tally = new Tally();
      ready();
      const check = items === "object" ? (v) => tally.addObject(v) : (v) => tally.addRecordBytes(v, 0);
      if (batch > 0) {
        for (let got = 0; got < count;) {
          const list = q.getMany(batch);
          for (const v of list) {
            check(v);
            q.taskDone();
          }
          got += list.length;
        }
      } else {
        for (let k = 0; k < count; k++) {
          check(q.get());
          q.taskDone();
        }
      }
      return tally.result();
    });
  },

  "ours.mpmcConsumer"({ handle, producers }, ready) {
    const q = JoinableQueue.attach(handle);
    return shutDownOnError([q], () => {
      const tally = new Tally(producers, false);
      ready();
      for (;;) {
        let v;
        try {
          v = q.get();
        } catch (e) {
          if (e instanceof ShutDown) return tally.result();
          throw e;
        }
        tally.addRecordBytes(v, 0);
        q.taskDone();
      }
    });
  },

  "ours.mpmcProducer"({ handle, go, producer, count }, ready) {
    const q = JoinableQueue.attach(handle);
    return shutDownOnError([q], () => {
      const flags = new Int32Array(go);
      ready();
      while (Atomics.load(flags, GO) === 0) Atomics.wait(flags, GO, 0, 1000);
      try {
        putRecords(q, count, producer);
      } finally {
        // Also on an error: the main thread waits for this before it reads the messages.
        Atomics.add(flags, PUT_DONE, 1);
        Atomics.notify(flags, PUT_DONE);
      }
      return { put: count };
    });
  },

  "ours.echo"({ a, b, count, spinMicros }, ready) {
    const qa = JoinableQueue.attach(a);
    const qb = JoinableQueue.attach(b);
    setSpin(spinMicros);
    return shutDownOnError([qa, qb], () => {
      ready();
      for (let i = 0; i < count; i++) qb.put(qa.get());
      setSpin(undefined);
      return { echoed: count };
    });
  },
};
