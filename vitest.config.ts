import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // the browser tests have their own command and config (vitest.browser.config.ts)
    exclude: ["test/browser/**", "**/node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // e2e files each start their own server and git backend; two cores run two files at a time
    fileParallelism: true,
    maxWorkers: 2,
  },
});
