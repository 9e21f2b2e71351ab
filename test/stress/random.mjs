// Seeded random streams for the stress test (pure-rand's xoroshiro128+). One run seed
// determines everything the test chooses: each phase's queue, and each worker's sequence
// of calls, batch sizes and timeouts. Thread scheduling is the only thing it does not fix.
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { mix32 } from "./items.mjs";

/** A fresh random 32-bit seed. */
export function randomSeed() {
  return (Math.random() * 2 ** 32) >>> 0;
}

/** The seed of phase `phase` of a run. */
export function phaseSeed(runSeed, phase) {
  return mix32((runSeed ^ mix32(phase + 1)) >>> 0);
}

/** Stream `index` of a phase: stream 0 is the main thread's, 1.. the workers'. Streams are
 * 2^64 draws apart (xoroshiro128+'s jump), so they never overlap. */
export function stream(seed, index) {
  const rng = xoroshiro128plus(seed | 0);
  for (let i = 0; i < index; i++) rng.jump();
  return {
    /** An integer from `low` to `high`, both included. */
    int: (low, high) => uniformInt(rng, low, high),
    /** One of `choices`. */
    pick: (choices) => choices[uniformInt(rng, 0, choices.length - 1)],
    /** A name from a table made by weights(), chosen in proportion to its weight. */
    weighted: (table) => {
      let r = uniformInt(rng, 0, table.total - 1);
      for (let i = 0; ; i++) {
        if (r < table.weights[i]) return table.names[i];
        r -= table.weights[i];
      }
    },
  };
}

/** A weighted choice table for stream().weighted, from { name: weight }. */
export function weights(byName) {
  const names = Object.keys(byName);
  const list = names.map((n) => byName[n]);
  return { names, weights: list, total: list.reduce((a, b) => a + b, 0) };
}
