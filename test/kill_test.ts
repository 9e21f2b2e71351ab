// Kill safety, short version: workers terminated at random moments while they put and get
// never leave the queue locked or corrupted. The survivors and the main thread drain it;
// nothing is got twice or out of order, no half-written item is ever got, and a killed
// producer's items form a prefix with no gap. (The seeded long version with hundreds of
// kills belongs to the reliability suite.)
import { describe, expect, test } from "vitest";
import { Empty, JoinableQueue, ShutDown } from "joinable-queue";
import { runtime, sleep, startWorker, within, workerKinds } from "./harness.ts";

type Item = { producer: number; seq: number };
type Pair = [number, number];

function random(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

/** Drains what is left from the main thread (the queue was shut down). */
function drain(q: JoinableQueue<Item>): Pair[] {
  const got: Pair[] = [];
  for (;;) {
    try {
      const item = q.get({ timeout: 5000 });
      got.push([item.producer, item.seq]);
      q.taskDone();
    } catch (e) {
      if (e instanceof ShutDown || e instanceof Empty) return got;
      throw e;
    }
  }
}

const ROUNDS = 8;

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

for (const kind of workerKinds) {
  describe(`kill safety (${kind})`, () => {
    test(`terminate() at random moments leaves the queue usable and consistent (${ROUNDS} rounds)`, async () => {
      const seed = 1 + Math.floor(Math.random() * 1e6);
      const rand = random(seed);
      const context = `(${runtime}, ${kind}, seed ${seed})`;
      for (let round = 0; round < ROUNDS; round++) {
        const killProducer = round % 2 === 0;
        const q = new JoinableQueue<Item>(round % 4 < 2 ? 64 : 0);
        const count = 4000;
        const producers = [0, 1].map((p) =>
          startWorker<number>(kind, "producer", q.handle, { producer: p, count, seed: seed + round * 10 + p }));
        const consumers = [0, 1].map((c) =>
          startWorker<Pair[]>(kind, "consumer", q.handle, { seed: seed + round * 10 + 5 + c }));
        await sleep(2 + rand() * 30);
        const victim = killProducer ? producers[0] : consumers[0];
        await victim.terminate();
        victim.result.catch(() => {});

        // The queue still answers, and still works, from this thread.
        expect(await within(5000, Promise.resolve().then(() => q.qsize()), `qsize() after a kill ${context}`)).toBeGreaterThanOrEqual(0);
        const survivors = killProducer ? [producers[1]] : producers;
        await within(30_000, Promise.all(survivors.map((w) => w.result)), `surviving producers ${context}`);
        q.shutdown();
        const gotByConsumers = await within(30_000,
          Promise.all((killProducer ? consumers : [consumers[1]]).map((w) => w.result)), `surviving consumers ${context}`);
        const got = [...gotByConsumers, drain(q)];

        const seen = new Set<string>();
        for (const list of got) {
          const last = new Map<number, number>();
          for (const [p, seq] of list) {
            const key = `${p}:${seq}`;
            check(!seen.has(key), `item ${key} got twice ${context}`);
            seen.add(key);
            check(seq > (last.get(p) ?? -1), `producer ${p} out of order ${context}`);
            last.set(p, seq);
          }
        }
        if (killProducer) {
          // Every consumer survived: the killed producer's items are exactly a prefix.
          const seqs = [...seen].filter((k) => k.startsWith("0:")).map((k) => Number(k.slice(2)));
          check(seqs.length === 0 || Math.max(...seqs) === seqs.length - 1, `gap in a killed producer's items ${context}`);
          for (let seq = 0; seq < count; seq++) check(seen.has(`1:${seq}`), `producer 1's item ${seq} is missing ${context}`);
          expect(q.unfinishedTasks).toBe(0);
        } else {
          // Only what the killed consumer had taken is missing; each still counts as unfinished
          // unless that consumer marked it done before it died.
          const missing = 2 * count - seen.size;
          expect(q.unfinishedTasks).toBeLessThanOrEqual(missing);
        }
        expect(q.qsize()).toBe(0);
        await Promise.all([...producers, ...consumers].map((w) => w.terminate()));
        q.close();
      }
    }, 120_000);
  });
}
