import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*_test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The concurrency tests start real workers; on a 2-core machine, one file at a time
    // keeps them from starving each other.
    fileParallelism: false,
  },
});
