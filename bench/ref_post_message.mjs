// Reference: postMessage over a MessagePort (a MessageChannel whose other end is in a
// worker), moving the same items as the queue's scenarios: one item per message, or arrays
// of `batch` items per message. The consumer acknowledges the last item on the port, so the
// producer's clock covers delivery, as join() does for the queue. Also the postMessage
// ping-pong of scenario 5. Items and checks: items.mjs.
import { makeObject, RECORD_BYTES, sendInBatches, Tally, writeRecord } from "./items.mjs";

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms / 1000} s`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/** Throughput: `count` items (`items`: "object" or "record"), `batch` per message (0: one). */
export async function postMessageThroughput({ workers: [consumer], count, timeoutMs }, { items, batch = 0 }) {
  const { port1, port2 } = new MessageChannel();
  try {
    await consumer.start("pm.consumer", { port: port2, count, items, batch }, [port2]);
    await consumer.expect("ready", timeoutMs);
    const acked = new Promise((resolve) => { port1.onmessage = () => resolve(); });
    const t0 = performance.now();
    if (batch > 0) {
      sendInBatches(items, count, batch, 0, (list) => port1.postMessage(list)); // cloned here: the arrays may be reused
    } else if (items === "object") {
      for (let i = 0; i < count; i++) port1.postMessage(makeObject(i));
    } else {
      const u8 = new Uint8Array(RECORD_BYTES);
      const i32 = new Int32Array(u8.buffer);
      for (let i = 0; i < count; i++) {
        writeRecord(i32, 0, i, 0);
        port1.postMessage(u8);
      }
    }
    await withTimeout(acked, timeoutMs, "postMessage consumer's acknowledgement");
    const seconds = (performance.now() - t0) / 1000;
    const tally = await consumer.expect("done", timeoutMs);
    return { items: count, seconds, tallies: [tally], expected: { kind: items, counts: [count] } };
  } finally {
    port1.close();
  }
}

/** Ping-pong: one record there and back, `count` times; each round trip in microseconds. */
export async function postMessagePingPong({ workers: [echo], count, timeoutMs }) {
  const { port1, port2 } = new MessageChannel();
  try {
    await echo.start("pm.echo", { port: port2, count }, [port2]);
    await echo.expect("ready", timeoutMs);
    let arrived;
    let fail;
    port1.onmessage = (e) => arrived(e.data);
    // One timer for the whole run: a timer per round trip would be timed with it.
    const timer = setTimeout(() => fail(new Error(`postMessage ping-pong: not done within ${timeoutMs / 1000} s`)), timeoutMs);
    const tally = new Tally();
    const samples = new Float64Array(count);
    const u8 = new Uint8Array(RECORD_BYTES);
    const i32 = new Int32Array(u8.buffer);
    try {
      for (let i = 0; i < count; i++) {
        writeRecord(i32, 0, i, 0);
        const back = new Promise((resolve, reject) => { arrived = resolve; fail = reject; });
        const t0 = performance.now();
        port1.postMessage(u8);
        const got = await back;
        samples[i] = (performance.now() - t0) * 1000;
        tally.addRecordBytes(got, 0);
      }
    } finally {
      clearTimeout(timer);
    }
    await echo.expect("done", timeoutMs);
    return { items: count, samplesUs: samples, tallies: [tally.result()], expected: { kind: "record", counts: [count] } };
  } finally {
    port1.close();
  }
}

// ---- the workers' jobs ------------------------------------------------------------------

export const jobs = {
  "pm.consumer"({ port, count, items, batch }, ready) {
    return new Promise((resolve) => {
      const tally = new Tally();
      const check = items === "object" ? (v) => tally.addObject(v) : (v) => tally.addRecordBytes(v, 0);
      port.onmessage = (e) => {
        if (batch > 0) for (const v of e.data) check(v);
        else check(e.data);
        if (tally.count >= count) {
          port.postMessage("done");
          port.close();
          resolve(tally.result());
        }
      };
      ready();
    });
  },

  "pm.echo"({ port, count }, ready) {
    return new Promise((resolve) => {
      let echoed = 0;
      port.onmessage = (e) => {
        port.postMessage(e.data);
        if (++echoed === count) {
          port.close();
          resolve({ echoed });
        }
      };
      ready();
    });
  },
};
