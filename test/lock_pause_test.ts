// The pause the core makes after each look at a held lock is chosen per engine by the
// bindings (bindings/host.ts): JavaScriptCore's threads starve a lock's holder without it,
// V8's hand over more slowly with it (bench/README.md). Module globals are per instance,
// so every thread's instance must be given it, not only the one that made the queue.
import { describe, expect, test } from "vitest";
import { coreModule, JoinableQueue } from "joinable-queue";
import { lockPauseOf } from "../dist/joinable_queue.js";
import { runtime, startWorker, workerKinds } from "./harness.ts";

const pauses = runtime === "bun";

type BareCore = Record<string, (...args: number[]) => number> & Record<string, WebAssembly.Global>;

/** An instance of the core that no binding has set up, and a view of its memory's words. */
function bareCore(): { core: BareCore; words: Int32Array } {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65535, shared: true });
  const core = new WebAssembly.Instance(coreModule(), { env: { memory } }).exports as unknown as BareCore;
  return { core, words: new Int32Array(memory.buffer) };
}

describe("the pause after a look at a held lock", () => {
  test(`is ${pauses ? "on" : "off"} in ${runtime} for the thread that makes the queue`, () => {
    const q = new JoinableQueue();
    if (pauses) expect(lockPauseOf(q)).toBeGreaterThan(0);
    else expect(lockPauseOf(q)).toBe(0);
    q.close();
  });

  for (const kind of workerKinds) {
    test(`reaches the instance of a thread that attaches (${kind})`, async () => {
      const q = new JoinableQueue();
      const inWorker = await startWorker<number>(kind, "lockPause", q.handle).result;
      expect(inWorker).toBe(lockPauseOf(q));
      q.close();
    });
  }

  test("is off in a bare instance of the core, and clamped when set", () => {
    const { core } = bareCore();
    expect(core.lockPauseSteps()).toBe(0);
    core.setLockPause(512);
    expect(core.lockPauseSteps()).toBe(512);
    core.setLockPause(0xffffffff);
    expect(core.lockPauseSteps()).toBe(core.MAX_LOCK_PAUSE.value);
  });

  test("with the longest pause, a call still answers BUSY while the lock stays held", () => {
    const { core, words } = bareCore();
    expect(core.init(0, 16, 0)).toBe(core.OK.value);
    core.setLockPause(core.MAX_LOCK_PAUSE.value);
    const lock = core.LOCK.value >>> 2;
    Atomics.store(words, lock, 1); // as if another thread held it
    expect(core.qsize()).toBe(core.BUSY.value);
    Atomics.store(words, lock, 0);
    expect(core.qsize()).toBe(0);
  });
});
