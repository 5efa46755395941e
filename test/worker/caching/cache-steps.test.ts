import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CacheStore } from "../../../src/worker/caching/cache-store.js";
import { restoreCaches, type RunCaches } from "../../../src/worker/caching/restore-caches.js";
import { saveCaches } from "../../../src/worker/caching/save-caches.js";
import { summarize } from "../../../src/report/summarize.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "gantry-cache-steps-"));
  writeFileSync(join(dir, "lock"), "1");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A store whose every call fails, as a full disk or a broken archive would. */
const brokenStore: CacheStore = {
  find: () => Promise.reject(new Error("EIO: i/o error, open")),
  restore: () => Promise.reject(new Error("unexpected")),
  save: () => Promise.reject(new Error("ENOSPC: no space left on device")),
  removeUnusedSince: () => Promise.resolve(0),
  evictOldest: () => Promise.resolve(0),
  list: () => Promise.resolve([]),
};

const runOf = (store: CacheStore): RunCaches => ({ store, repositoryId: 1, scopes: { read: ["refs/heads/main"], write: "refs/heads/main" }, roots: { workspace: dir, home: dir } });

describe("the cache steps", () => {
  it("turn store errors into warning lines, a miss and a failed save, never a throw", async () => {
    const lines: string[] = [];
    const caches = [{ key: "k-{{ hashFiles \"lock\" }}", restoreKeys: ["k-"], paths: ["x"] }];
    const restored = await restoreCaches(caches, runOf(brokenStore), (line) => lines.push(line));
    const reports = await saveCaches(restored, runOf(brokenStore), (line) => lines.push(line));
    const key = restored[0]!.key!;
    expect(lines).toEqual([`gantry: warning: cache ${key}: not restored (EIO: i/o error, open); a miss`, `gantry: warning: cache ${key}: not saved: ENOSPC: no space left on device`]);
    expect(reports).toEqual([
      { key, restore: { match: "miss", durationMs: expect.any(Number) }, save: { outcome: "failed", reason: "ENOSPC: no space left on device", durationMs: expect.any(Number) } },
    ]);
    const { summary } = summarize({ pipeline: "p", ref: "refs/heads/main", sha: "a".repeat(40), conclusion: "success", headCommit: null, commits: [], steps: [], logTail: "", durationMs: 1, caches: reports });
    expect(summary).toMatch(new RegExp(`\\| ${key} \\| miss \\| — \\| [^|]+ \\| ⚠ failed: ENOSPC: no space left on device \\|`));
  });

  it("a key that cannot be resolved is a miss that nothing is saved under, and the store is not asked", async () => {
    const lines: string[] = [];
    const restored = await restoreCaches([{ key: "x".repeat(600), restoreKeys: [], paths: ["x"] }], runOf(brokenStore), (line) => lines.push(line));
    const reports = await saveCaches(restored, runOf(brokenStore), (line) => lines.push(line));
    expect(lines).toEqual([`gantry: warning: cache ${"x".repeat(600)}: the key cannot be used (the key is 600 characters long, more than 512); a miss, and nothing is saved`]);
    expect(reports[0]).toMatchObject({ restore: { match: "miss" }, save: { outcome: "skipped", reason: "the key cannot be used" } });
  });
});
