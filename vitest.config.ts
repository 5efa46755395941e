import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // e2e files each start their own server and git backend; two cores run two files at a time
    fileParallelism: true,
    maxWorkers: 2,
  },
});
