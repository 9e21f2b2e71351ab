// Checks what fixtures/single_isolate.js's pool() returned: every item got exactly once,
// each producer's items in the order it put them, and joinAsync() true only at the end.
import { expect } from "vitest";

export interface PoolResult {
  got: [number, number][][];
  earlyJoin: boolean;
  joinWhileBusy: boolean;
  joined: boolean;
  unfinished: number;
  afterShutdownName: string;
}

export function checkPool(result: PoolResult, producers: number, items: number): void {
  const seen = new Map<string, number>();
  for (const consumer of result.got) {
    const last = new Map<number, number>();
    for (const [p, i] of consumer) {
      const key = `${p}:${i}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      // FIFO per producer: what one consumer gets from one producer only rises
      expect(i, `consumer got ${key} after ${p}:${last.get(p)}`).toBeGreaterThan(last.get(p) ?? -1);
      last.set(p, i);
    }
  }
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
  expect(duplicates).toEqual([]);
  expect(seen.size).toBe(producers * items);
  expect(result.got.filter((c) => c.length > 0).length).toBeGreaterThan(1); // the work was shared
  expect(result).toMatchObject({ earlyJoin: true, joinWhileBusy: false, joined: true, unfinished: 0, afterShutdownName: "ShutDown" });
}
