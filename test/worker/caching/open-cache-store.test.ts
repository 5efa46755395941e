import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import type { CacheRoots } from "../../../src/worker/caching/cache-store.js";
import { openCacheStore, type CacheStoreOptions } from "../../../src/worker/caching/open-cache-store.js";

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "gantry-cache-"));
  temps.push(dir);
  return dir;
}

/** A store under a fresh folder, with a clock the test moves. */
function setUp(options: Partial<CacheStoreOptions> = {}) {
  const base = tempDir();
  const clock = { now: 1_000 };
  const root = join(base, "caches");
  const open = () => openCacheStore({ root, maxBytes: 1 << 30, repositoryMaxBytes: 1 << 30, now: () => clock.now, ...options });
  let runs = 0;
  /** A run's fresh workspace and home. */
  const roots = (): CacheRoots => {
    runs++;
    const workspace = join(base, `run${runs}`, "workspace");
    const home = join(base, `run${runs}`, "home");
    mkdirSync(workspace, { recursive: true });
    mkdirSync(home, { recursive: true });
    return { workspace, home };
  };
  return { base, root, clock, store: open(), open, roots };
}

const REPO = 42;
const MAIN = "refs/heads/main";

it("saves a tree of folders, files, symlinks and modes, finds it by its key and restores it into a later run", async () => {
  const { store, roots } = setUp();
  const first = roots();
  mkdirSync(join(first.workspace, "node_modules", "left-pad", "lib"), { recursive: true });
  writeFileSync(join(first.workspace, "node_modules", "left-pad", "lib", "index.js"), "module.exports = 1;\n");
  writeFileSync(join(first.workspace, "node_modules", "left-pad", "cli.js"), "#!/usr/bin/env node\n");
  chmodSync(join(first.workspace, "node_modules", "left-pad", "cli.js"), 0o755);
  writeFileSync(join(first.workspace, "node_modules", "left-pad", "secret.txt"), "x");
  chmodSync(join(first.workspace, "node_modules", "left-pad", "secret.txt"), 0o600);
  mkdirSync(join(first.workspace, "node_modules", ".bin"));
  symlinkSync("../left-pad/cli.js", join(first.workspace, "node_modules", ".bin", "left-pad"));
  mkdirSync(join(first.home, ".npm", "_cacache"), { recursive: true });
  writeFileSync(join(first.home, ".npm", "_cacache", "index"), "npm");
  writeFileSync(join(first.workspace, "not-cached.txt"), "no");

  const saved = await store.save({ repositoryId: REPO, scope: MAIN, key: "npm-abc", paths: ["node_modules", "~/.npm", "missing"] }, first);
  expect(saved).toMatchObject({ outcome: "saved" });

  const found = await store.find({ repositoryId: REPO, scopes: [MAIN], key: "npm-abc", restoreKeys: [] });
  expect(found?.match).toBe("hit");
  expect(found?.entry).toMatchObject({ repositoryId: REPO, scope: MAIN, key: "npm-abc", createdAt: 1_000, lastUsedAt: 1_000 });
  expect(found?.entry.sizeBytes).toBe(saved.outcome === "saved" ? saved.sizeBytes : -1);

  const second = roots();
  mkdirSync(join(second.workspace, "node_modules"));
  writeFileSync(join(second.workspace, "node_modules", "already-here.txt"), "merged");
  expect(await store.restore(found!.entry, second)).toEqual({ sizeBytes: found!.entry.sizeBytes });
  const pad = join(second.workspace, "node_modules", "left-pad");
  expect(readFileSync(join(pad, "lib", "index.js"), "utf8")).toBe("module.exports = 1;\n");
  expect(lstatSync(join(pad, "cli.js")).mode & 0o777).toBe(0o755);
  expect(lstatSync(join(pad, "secret.txt")).mode & 0o777).toBe(0o600);
  expect(readlinkSync(join(second.workspace, "node_modules", ".bin", "left-pad"))).toBe("../left-pad/cli.js");
  expect(readFileSync(join(second.workspace, "node_modules", "already-here.txt"), "utf8")).toBe("merged");
  expect(readFileSync(join(second.home, ".npm", "_cacache", "index"), "utf8")).toBe("npm");
  expect(existsSync(join(second.workspace, "not-cached.txt"))).toBe(false);
  expect(lstatSync(join(pad, "cli.js")).uid).toBe(process.getuid!());
});
