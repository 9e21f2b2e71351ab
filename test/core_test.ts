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
});
