import { defineConfig } from "vitest/config";

// The host tests (test/hosts/*_host.ts): the package in workerd, the Vercel Edge Runtime
// and Chromium. Node runs them (they drive the host), so they are named apart from the
// *_test.ts suite that Node, Deno and Bun each run; `npm test -- workerd` runs one.
export default defineConfig({
  test: {
    include: ["test/hosts/*_host.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
