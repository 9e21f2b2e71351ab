// What the stress test's threads share besides the queue: one SharedArrayBuffer per phase
// holding counters and a bitmap of the items got. The counters are only ever read and
// changed with Atomics, so every thread sees them in one order.
//
//   Int32 index   counter
//   0             PUTS_RETURNED    items whose put call has returned (added after it returns)
//   1             TASKS_DONE       taskDone() calls begun (added before each call)
//   2             PRODUCERS_DONE   producers that have put all their items
//   3 .. 15       (unused)
//   16 ..         GOT bitmap: producer p's item s is bit s % 32 of word
//                 16 + p * wordsPerProducer + floor(s / 32); set once, by the consumer
//                 that got it (Atomics.or tells it whether it was already set)

export const PUTS_RETURNED = 0;
export const TASKS_DONE = 1;
export const PRODUCERS_DONE = 2;
const BITMAP = 16;

/** The shared words of a phase whose producers put `counts[p]` items each. */
export function sharedFor(counts, buffer) {
  const wordsPerProducer = Math.ceil(Math.max(...counts) / 32);
  const sab = buffer ?? new SharedArrayBuffer(4 * (BITMAP + counts.length * wordsPerProducer));
  const i32 = new Int32Array(sab);
  return {
    buffer: sab,
    i32,
    /** Marks item (p, s) got; false if it had been got before. */
    markGot(p, s) {
      const bit = 1 << (s & 31);
      return (Atomics.or(i32, BITMAP + p * wordsPerProducer + (s >>> 5), bit) & bit) === 0;
    },
    /** The first item never got, as [p, s], or undefined when every item was got. */
    firstMissing() {
      for (let p = 0; p < counts.length; p++) {
        for (let s = 0; s < counts[p]; s++) {
          const w = Atomics.load(i32, BITMAP + p * wordsPerProducer + (s >>> 5));
          if (w === -1) { s += 31 - (s & 31); continue; } // 32 got at once
          if ((w & (1 << (s & 31))) === 0) return [p, s];
        }
      }
      return undefined;
    },
  };
}
