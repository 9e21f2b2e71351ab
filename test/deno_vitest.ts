// Deno's adapter for the suite: maps the vitest calls the tests use (describe, test, it,
// expect) onto Deno.test and jest's expect, so the same test files run unchanged.
// deno.json's import map points "vitest" here when the suite runs under `deno test`.
import { expect } from "expect";

declare const Deno: {
  test(options: { name: string; fn: () => Promise<void>; sanitizeOps: boolean; sanitizeResources: boolean }): void;
};

const DEFAULT_TIMEOUT_MS = 60_000;
const names: string[] = [];

export function describe(name: string, body: () => void): void {
  names.push(name);
  try {
    body();
  } finally {
    names.pop();
  }
}

export function test(name: string, fn: () => unknown, timeout = DEFAULT_TIMEOUT_MS): void {
  const fullName = [...names, name].join(" > ");
  Deno.test({
    name: fullName,
    // Workers and waits end with each test, but Deno's sanitizers also count the keep-alive
    // timers and worker handles that are closed asynchronously after the test returns.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(fn),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`${fullName}: timed out after ${timeout} ms`)), timeout);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
  });
}

export const it = test;
export { expect };
