import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "tar";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openCacheStore } from "../../../src/worker/caching/open-cache-store.js";
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
  prepare: () => Promise.reject(new Error("unexpected")),
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

  it("a hostile archive (a setuid file) is refused whole: a warning and a miss, the entry removed, and the run saves a sound one", async () => {
    const store = openCacheStore({ root: join(dir, "caches"), maxBytes: 1 << 30, repositoryMaxBytes: 1 << 30 });
    const roots = (name: string) => {
      const workspace = join(dir, name, "workspace");
      mkdirSync(join(workspace, "node_modules"), { recursive: true });
      writeFileSync(join(workspace, "lock"), "1");
      return { workspace, home: join(dir, name, "home") };
    };
    const first = roots("first");
    writeFileSync(join(first.workspace, "node_modules", "tool"), "#!/bin/sh\n");
    chmodSync(join(first.workspace, "node_modules", "tool"), 0o755);
    const caches = [{ key: "k-{{ hashFiles \"lock\" }}", restoreKeys: [], paths: ["node_modules"] }];
    const run = (at: { workspace: string; home: string }): RunCaches => ({ ...runOf(store), roots: at });
    await saveCaches(await restoreCaches(caches, run(first), () => {}), run(first), () => {});
    // the entry's archive, rewritten by node-tar's own Pack with the setuid bit a save never writes
    const archive = (readdirSync(join(dir, "caches"), { recursive: true }) as string[]).find((path) => path.endsWith("archive.tar.gz"))!;
    rmSync(join(dir, "caches", archive));
    symlinkSync(first.workspace, join(dir, "workspace"));
    await create({ gzip: true, portable: true, cwd: dir, file: join(dir, "caches", archive), onWriteEntry: (entry) => void (entry.stat!.mode |= 0o4000) }, ["workspace/node_modules"]);

    const lines: string[] = [];
    const second = roots("second");
    const restored = await restoreCaches(caches, run(second), (line) => lines.push(line));
    const key = restored[0]!.key!;
    expect(lines).toEqual([
      expect.stringMatching(new RegExp(`^gantry: warning: cache ${key}: not restored \\(cache "${key}" of refs/heads/main could not be restored and is removed: archive entry "workspace/node_modules/" has a setuid, setgid or sticky bit\\); a miss$`)),
    ]);
    expect(restored[0]!.report.restore).toMatchObject({ match: "miss" });
    expect(existsSync(join(second.workspace, "node_modules", "tool"))).toBe(false);
    const reports = await saveCaches(restored, run(second), () => {});
    expect(reports[0]!.save).toMatchObject({ outcome: "saved" });
  });
});
