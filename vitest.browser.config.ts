import { defineConfig } from "vitest/config";

// `npm run test:browser`: the run page in Debian's chromium, driven by playwright-core. Kept out of `npm test`
// (a browser is a heavier dependency than the rest of the suite has); `.ci/run` runs both.
export default defineConfig({
  test: {
    include: ["test/browser/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // one browser at a time: two cores, and each file starts an app, a fake GitHub and chromium
    fileParallelism: false,
    maxWorkers: 1,
  },
});
