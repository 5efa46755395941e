import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/backend/open-database.js";
import { DAY_MS, startRetentionSweeps } from "../../src/backend/retention/start-retention-sweeps.js";
import { SqliteStore } from "../../src/backend/storage/sqlite-store.js";
import type { CacheStore } from "../../src/worker/caching/cache-store.js";
import { markMirrorUsed } from "../../src/worker/execution/mirror/mark-mirror-used.js";
import { mirrorRoot } from "../../src/worker/mirror-root.js";
import { removeUnusedFiles } from "../../src/worker/remove-unused-files.js";
import { memoryLog } from "../helpers/memory-log.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const NOW = Date.now();

/** A CacheStore that frees 1234 bytes on removeUnusedSince and records the cutoffs it was asked for. */
function stubCaches(): { store: CacheStore; cutoffs: number[] } {
  const cutoffs: number[] = [];
  const unused = () => Promise.reject(new Error("not used by the sweep"));
  const store: CacheStore = { find: unused, restore: unused, prepare: unused, save: unused, list: unused, evictOldest: unused, removeUnusedSince: async (before) => (cutoffs.push(before), 1234) };
  return { store, cutoffs };
}

function bareMirror(dataDir: string, id: number): string {
  const dir = join(mirrorRoot(dataDir), String(id));
  execFileSync("git", ["init", "--quiet", "--bare", dir]);
  return dir;
}

describe("the retention sweep of a node that runs pipelines", () => {
  it("removes its unused mirrors and asks its caches to drop what was not used since the cutoff, and says so", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gantry-unused-files-"));
    dirs.push(dataDir);
    const old = bareMirror(dataDir, 1);
    await markMirrorUsed(old, null, NOW - 40 * DAY_MS);
    const recent = bareMirror(dataDir, 2);
    await markMirrorUsed(recent, null, NOW - DAY_MS);
    const caches = stubCaches();
    const log = memoryLog();
    const store = new SqliteStore(openDatabase(dataDir));
    const sweeps = startRetentionSweeps({
      store,
      dataDir,
      retentionMs: 30 * DAY_MS,
      log: log.log,
      nodeId: "host:1",
      firstDelayMs: 60_000,
      now: () => NOW,
      sweepFiles: (before, signal) => removeUnusedFiles({ dataDir, caches: caches.store }, before, signal),
    });
    try {
      const report = await sweeps.sweepNow();
      expect(report.files).toEqual({ mirrors: 1, "mirror refs": 0, "locked mirrors skipped": 0, "cache bytes": 1234 });
      expect(caches.cutoffs).toEqual([NOW - 30 * DAY_MS]);
      expect(existsSync(old)).toBe(false);
      expect(existsSync(join(recent, "config"))).toBe(true);
      expect(log.lines().some((line) => line.includes("removed this node's files unused for 30 days: 1 mirrors"))).toBe(true);
    } finally {
      await sweeps.stop();
      await store.close();
    }
  });

  it("starts the clock today for a mirror from before stamps, instead of removing it", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gantry-unused-files-"));
    dirs.push(dataDir);
    const unstamped = bareMirror(dataDir, 3);
    expect(await removeUnusedFiles({ dataDir }, NOW - 30 * DAY_MS)).toMatchObject({ mirrors: 0, "cache bytes": 0 });
    expect(existsSync(join(unstamped, "gantry-used", "last"))).toBe(true);
    expect(await removeUnusedFiles({ dataDir }, Date.now() + 1000)).toMatchObject({ mirrors: 1 });
  });
});
