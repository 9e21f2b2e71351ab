// The compiled core's shape, which the kill-safety argument in assembly/queue.ts rests on:
// nothing to re-apply per thread (no data segments, no memory of its own), and no calls at
// all (every helper inlined, so no function entry can fall inside a locked section).
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { coreModule } from "joinable-queue";

const wat = readFileSync(new URL("../build/core.wat", import.meta.url), "utf8");

describe("core.wasm", () => {
  test("imports only the shared memory env.memory, and no function", () => {
    expect(WebAssembly.Module.imports(coreModule())).toEqual([{ module: "env", name: "memory", kind: "memory" }]);
    expect(wat).toMatch(/\(import "env" "memory" \(memory \$\S+ 1 65535 shared\)\)/);
  });

  test("has no data segments (each thread's instantiation would re-apply them to shared memory)", () => {
    expect(wat).not.toMatch(/\(data\b/);
  });

  test("makes no function calls (helpers are inlined: no function entry inside a locked section)", () => {
    expect(wat).not.toMatch(/^\s*(call|call_indirect|return_call)\b/m);
  });

  test("exports the operations and the word offsets the bindings use", () => {
    const names = WebAssembly.Module.exports(coreModule()).map((e) => e.name);
    for (const name of ["put", "putBatch", "take", "taskDone", "shutdown", "qsize", "LOCK", "PUT_EPOCH", "GET_EPOCH", "DONE_EPOCH", "FRAME_HEADER"]) {
      expect(names).toContain(name);
    }
  });

  test("codes the count of tasks done so that every small change to either half of its word is caught", () => {
    // assembly/queue.ts, "Tasks": TASKS_DONE holds (count + 1) * DONE_FACTOR (mod 2^64), and
    // a word whose decoding (times DONE_INVERSE, minus one) is DONE_LIMIT or more is damage. A write that adds
    // d to the word moves the decoded count by d * DONE_INVERSE: caught for every count
    // below DONE_LIMIT exactly when that lands in [DONE_LIMIT, 2^64 - DONE_LIMIT).
    const core = new WebAssembly.Instance(coreModule(), {
      env: { memory: new WebAssembly.Memory({ initial: 1, maximum: 65535, shared: true }) },
    }).exports as Record<string, WebAssembly.Global>;
    const factor = BigInt.asUintN(64, core.DONE_FACTOR.value);
    const inverse = BigInt.asUintN(64, core.DONE_INVERSE.value);
    const limit = BigInt.asUintN(64, core.DONE_LIMIT.value);
    expect(BigInt.asUintN(64, factor * inverse)).toBe(1n);
    expect(limit).toBe(1n << 48n);
    const missed: string[] = [];
    for (let d = 1n; d < 1n << 14n; d++) {
      for (const delta of [d, -d, d << 32n, -(d << 32n)]) {
        const moved = BigInt.asUintN(64, delta * inverse);
        if (moved < limit || moved >= (1n << 64n) - limit) missed.push(delta.toString());
      }
    }
    expect(missed).toEqual([]);
  });
});
