import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { Header, list } from "tar";
import { afterEach, expect, it } from "vitest";
import type { CacheRoots, CacheStore } from "../../../src/worker/caching/cache-store.js";
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
  symlinkSync("left-pad/lib", join(first.workspace, "node_modules", "lib-link"));
  mkdirSync(join(first.workspace, "node_modules", "empty"));
  writeFileSync(join(first.workspace, "node_modules", "left-pad", "suid"), "x");
  chmodSync(join(first.workspace, "node_modules", "left-pad", "suid"), 0o4755);
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
  expect(await store.restore(found!.entry, second)).toEqual({ sizeBytes: found!.entry.sizeBytes, prepared: false });
  const pad = join(second.workspace, "node_modules", "left-pad");
  expect(readFileSync(join(pad, "lib", "index.js"), "utf8")).toBe("module.exports = 1;\n");
  expect(lstatSync(join(pad, "cli.js")).mode & 0o777).toBe(0o755);
  expect(lstatSync(join(pad, "secret.txt")).mode & 0o777).toBe(0o600);
  expect(readlinkSync(join(second.workspace, "node_modules", ".bin", "left-pad"))).toBe("../left-pad/cli.js");
  expect(readlinkSync(join(second.workspace, "node_modules", "lib-link"))).toBe("left-pad/lib");
  expect(readdirSync(join(second.workspace, "node_modules", "empty"))).toEqual([]);
  // a save drops setuid, setgid and sticky bits (a restore refuses an archive with them)
  expect(lstatSync(join(pad, "suid")).mode & 0o7777).toBe(0o755);
  expect(readFileSync(join(second.workspace, "node_modules", "already-here.txt"), "utf8")).toBe("merged");
  expect(readFileSync(join(second.home, ".npm", "_cacache", "index"), "utf8")).toBe("npm");
  expect(existsSync(join(second.workspace, "not-cached.txt"))).toBe(false);
  expect(lstatSync(join(pad, "cli.js")).uid).toBe(process.getuid!());
});

const FEATURE = "refs/heads/feature";

/** Saves one file of `bytes` random (incompressible) bytes under `node_modules`, at the clock's time `at`. */
async function saveRandom(
  setup: ReturnType<typeof setUp>,
  request: { repositoryId?: number; scope?: string; key: string; at: number; bytes?: number },
): Promise<number> {
  setup.clock.now = request.at;
  const roots = setup.roots();
  mkdirSync(join(roots.workspace, "node_modules"));
  writeFileSync(join(roots.workspace, "node_modules", "blob"), randomBytes(request.bytes ?? 64));
  const result = await setup.store.save(
    { repositoryId: request.repositoryId ?? REPO, scope: request.scope ?? MAIN, key: request.key, paths: ["node_modules"] },
    roots,
  );
  if (result.outcome !== "saved") throw new Error(`not saved: ${result.reason}`);
  return result.sizeBytes;
}

/** Every file (not folder) under `dir`, relative. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((entry) => !entry.isDirectory())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/** The paths and types inside the only archive under `root`. */
async function archiveContents(root: string): Promise<Array<[string, string]>> {
  const archive = filesUnder(root).filter((path) => path.endsWith("archive.tar.gz"));
  expect(archive).toHaveLength(1);
  const entries: Array<[string, string]> = [];
  await list({ file: join(root, archive[0]!), onReadEntry: (entry) => void entries.push([entry.path, entry.type]) });
  return entries.sort(([a], [b]) => a.localeCompare(b));
}

/** Replaces the bytes of the archive of the only entry under `root`. */
function replaceArchive(root: string, bytes: Buffer): void {
  const archive = filesUnder(root).filter((path) => path.endsWith("archive.tar.gz"));
  expect(archive).toHaveLength(1);
  writeFileSync(join(root, archive[0]!), bytes);
}

interface CraftedEntry {
  path: string;
  type?: "File" | "Directory" | "SymbolicLink" | "Link" | "FIFO" | "CharacterDevice";
  body?: string;
  linkpath?: string;
  mode?: number;
}

/** A gzip'd tar written header by header: what no save would make. */
function craftArchive(entries: readonly CraftedEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const type = entry.type ?? "File";
    const body = Buffer.from(type === "File" ? (entry.body ?? "") : "");
    const header = new Header({
      path: entry.path,
      type,
      size: body.length,
      mode: entry.mode ?? (type === "Directory" ? 0o755 : 0o644),
      mtime: new Date(0),
      ...(entry.linkpath === undefined ? {} : { linkpath: entry.linkpath }),
      // a step's uid: a restore must not hand files to it (or to anyone but gantry)
      uid: 1234,
      gid: 1234,
    });
    header.encode();
    blocks.push(header.block!);
    if (body.length > 0) blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** A store with one entry, "k", whose archive a test replaces by a crafted one, and a folder beside the caches that its entries aim at. */
async function setUpCraftedEntry() {
  const setup = setUp();
  const outside = join(setup.base, "outside");
  mkdirSync(outside);
  await saveRandom(setup, { key: "k", at: 1 });
  return { setup, outside };
}

const find = (store: CacheStore, key: string, restoreKeys: string[] = [], scopes = [MAIN], repositoryId = REPO) =>
  store.find({ repositoryId, scopes, key, restoreKeys });

it("marks an entry used when it is restored, not when it is found", async () => {
  const setup = setUp();
  await saveRandom(setup, { key: "k", at: 1_000 });
  setup.clock.now = 5_000;
  const found = await find(setup.store, "k");
  expect(found?.entry.lastUsedAt).toBe(1_000);
  await setup.store.restore(found!.entry, setup.roots());
  expect((await setup.store.list()).map(({ lastUsedAt, createdAt }) => ({ lastUsedAt, createdAt }))).toEqual([
    { lastUsedAt: 5_000, createdAt: 1_000 },
  ]);
});

it("finds the exact key in the first scope that has it, else per restore key the newest entry by creation, scopes in order", async () => {
  const setup = setUp();
  await saveRandom(setup, { key: "npm-linux-aaa", at: 1 });
  await saveRandom(setup, { key: "npm-linux-bbb", at: 2 });
  await saveRandom(setup, { key: "npm-other", at: 3 });
  await saveRandom(setup, { key: "npm-linux-ccc", scope: FEATURE, at: 4 });
  await saveRandom(setup, { key: "npm-linux-bbb", scope: FEATURE, at: 5 });
  const { store } = setup;
  const both = [FEATURE, MAIN];
  const summary = (lookup: Awaited<ReturnType<CacheStore["find"]>>) => lookup && [lookup.match, lookup.entry.scope, lookup.entry.key];

  // an exact key anywhere beats a prefix in the first scope
  expect(summary(await find(store, "npm-other", ["npm-linux-"], both))).toEqual(["hit", MAIN, "npm-other"]);
  expect(summary(await find(store, "npm-linux-bbb", [], both))).toEqual(["hit", FEATURE, "npm-linux-bbb"]);
  expect(summary(await find(store, "npm-linux-bbb", [], [MAIN, FEATURE]))).toEqual(["hit", MAIN, "npm-linux-bbb"]);
  // the first restore key in the first scope that has a match; the newest there
  expect(summary(await find(store, "npm-linux-zzz", ["npm-linux-", "npm-"], both))).toEqual(["partial", FEATURE, "npm-linux-bbb"]);
  expect(summary(await find(store, "npm-linux-zzz", ["npm-linux-", "npm-"], [MAIN]))).toEqual(["partial", MAIN, "npm-linux-bbb"]);
  expect(summary(await find(store, "npm-zzz", ["npm-windows-", "npm-"], [MAIN]))).toEqual(["partial", MAIN, "npm-other"]);
  // a restore key earlier in the list wins over a newer entry matching a later one
  expect(summary(await find(store, "x", ["npm-linux-a", "npm-"], both))).toEqual(["partial", MAIN, "npm-linux-aaa"]);

  // newest by creation, not by use
  setup.clock.now = 100;
  const aaa = await find(store, "npm-linux-aaa");
  await store.restore(aaa!.entry, setup.roots());
  expect(summary(await find(store, "npm-linux-zzz", ["npm-linux-"], [MAIN]))).toEqual(["partial", MAIN, "npm-linux-bbb"]);

  // keys and prefixes compare exactly
  expect(await find(store, "NPM-linux-aaa", ["NPM-", "npm-linux-aaa-"], both)).toBeNull();
});

it("never reads a scope that was not asked for, nor another repository's entries", async () => {
  const setup = setUp();
  await saveRandom(setup, { key: "npm-1", scope: FEATURE, at: 1 });
  await saveRandom(setup, { key: "npm-1", repositoryId: 43, at: 2 });
  await saveRandom(setup, { key: "npm-0", at: 3 });
  const { store } = setup;
  expect(await find(store, "npm-1")).toBeNull();
  expect(await find(store, "npm-1", ["npm-"])).toMatchObject({ match: "partial", entry: { key: "npm-0", scope: MAIN, repositoryId: REPO } });
  expect(await find(store, "npm-1", [], [MAIN], 44)).toBeNull();
  expect(await find(store, "npm-0", ["npm-"], [FEATURE, MAIN], 43)).toMatchObject({ match: "partial", entry: { key: "npm-1", repositoryId: 43 } });
});

const keysOf = async (store: CacheStore) =>
  (await store.list()).map(({ repositoryId, key }) => `${repositoryId}/${key}`).sort();

it("after a save, evicts least recently used entries until the repository's and the overall caps hold", async () => {
  // ~20 KB archives (random bytes do not compress): two fit a repository, four fit the whole store
  const setup = setUp({ repositoryMaxBytes: 50_000, maxBytes: 90_000 });
  const { store } = setup;
  const size = await saveRandom(setup, { key: "a1", at: 1, bytes: 20_000 });
  expect(size).toBeGreaterThan(20_000);
  expect(size).toBeLessThan(22_500);
  await saveRandom(setup, { key: "a2", at: 2, bytes: 20_000 });
  setup.clock.now = 3;
  await store.restore((await find(store, "a1"))!.entry, setup.roots());
  // a2 is now the least recently used of repository 42
  await saveRandom(setup, { key: "a3", at: 4, bytes: 20_000 });
  expect(await keysOf(store)).toEqual(["42/a1", "42/a3"]);

  await saveRandom(setup, { repositoryId: 7, key: "b1", at: 5, bytes: 20_000 });
  await saveRandom(setup, { repositoryId: 7, key: "b2", at: 6, bytes: 20_000 });
  expect(await keysOf(store)).toEqual(["42/a1", "42/a3", "7/b1", "7/b2"]);
  // a fifth entry passes the overall cap: the least recently used of all (a1, used at 3) goes
  await saveRandom(setup, { repositoryId: 8, key: "c1", at: 7, bytes: 20_000 });
  expect(await keysOf(store)).toEqual(["42/a3", "7/b1", "7/b2", "8/c1"]);
  // the store's own files agree: a removed entry leaves nothing behind
  expect(filesUnder(setup.root).filter((path) => path.endsWith(".tar.gz"))).toHaveLength(4);
});

it("removeUnusedSince removes entries last used before a time; evictOldest frees bytes least recently used first", async () => {
  const setup = setUp();
  const { store } = setup;
  const sizes = {
    old: await saveRandom(setup, { key: "old", at: 10 }),
    older: await saveRandom(setup, { key: "older", at: 5, scope: FEATURE }),
    recent: await saveRandom(setup, { key: "recent", at: 20 }),
    used: await saveRandom(setup, { key: "used", at: 1, repositoryId: 9 }),
  };
  setup.clock.now = 30;
  await store.restore((await find(store, "used", [], [MAIN], 9))!.entry, setup.roots());

  expect(await store.removeUnusedSince(10)).toBe(sizes.older);
  expect(await keysOf(store)).toEqual(["42/old", "42/recent", "9/used"]);
  expect(await store.removeUnusedSince(10)).toBe(0);

  // one byte is freed by the least recently used entry, whole
  expect(await store.evictOldest(1)).toBe(sizes.old);
  expect(await keysOf(store)).toEqual(["42/recent", "9/used"]);
  expect(await store.evictOldest(sizes.recent + 1)).toBe(sizes.recent + sizes.used);
  expect(await store.list()).toEqual([]);
  expect(await store.evictOldest(1)).toBe(0);
});

it("skips a key its scope has already (first writer wins), and of two concurrent saves of one key keeps one sound entry", async () => {
  const setup = setUp();
  const { store } = setup;
  await saveRandom(setup, { key: "k", at: 1 });
  const again = setup.roots();
  mkdirSync(join(again.workspace, "node_modules"));
  expect(await store.save({ repositoryId: REPO, scope: MAIN, key: "k", paths: ["node_modules"] }, again)).toEqual({
    outcome: "skipped",
    reason: `the key exists in ${MAIN} already`,
  });
  // the same key in another scope is another entry
  expect(await store.save({ repositoryId: REPO, scope: FEATURE, key: "k", paths: ["node_modules"] }, again)).toMatchObject({ outcome: "saved" });

  const trees = [setup.roots(), setup.roots(), setup.roots()];
  trees.forEach((roots, index) => {
    mkdirSync(join(roots.workspace, "node_modules"));
    // different content and sizes, so that a mix of two saves would show
    writeFileSync(join(roots.workspace, "node_modules", "who"), String(index).repeat(1000 * (index + 1)));
    writeFileSync(join(roots.workspace, "node_modules", "noise"), randomBytes(5000 * (index + 1)));
  });
  const results = await Promise.all(
    trees.map((roots) => store.save({ repositoryId: REPO, scope: MAIN, key: "race", paths: ["node_modules"] }, roots)),
  );
  expect(results.filter((result) => result.outcome === "saved")).toHaveLength(1);
  expect((await store.list()).filter(({ key }) => key === "race")).toHaveLength(1);
  const found = await find(store, "race");
  const target = setup.roots();
  await store.restore(found!.entry, target);
  const who = readFileSync(join(target.workspace, "node_modules", "who"), "utf8");
  const winner = results.findIndex((result) => result.outcome === "saved");
  expect(who).toBe(String(winner).repeat(1000 * (winner + 1)));
  expect(found!.entry.sizeBytes).toBe((results[winner] as { sizeBytes: number }).sizeBytes);
  expect(filesUnder(setup.root).filter((path) => path.includes(".tmp-"))).toEqual([]);
});

it("abandons an archive that grows past the repository's cap, leaving no temporary file", async () => {
  const setup = setUp({ repositoryMaxBytes: 100_000 });
  const roots = setup.roots();
  mkdirSync(join(roots.workspace, "node_modules"));
  for (let index = 0; index < 20; index++) writeFileSync(join(roots.workspace, "node_modules", `blob${index}`), randomBytes(100_000));
  expect(await setup.store.save({ repositoryId: REPO, scope: MAIN, key: "big", paths: ["node_modules"] }, roots)).toEqual({
    outcome: "skipped",
    reason: "the archive grew past repositoryMaxBytes (100000 bytes)",
  });
  expect(await setup.store.list()).toEqual([]);
  expect(filesUnder(setup.root)).toEqual([]);
  expect(await setup.store.save({ repositoryId: REPO, scope: MAIN, key: "big", paths: ["missing", "~/missing"] }, roots)).toEqual({
    outcome: "skipped",
    reason: "none of the paths exist",
  });
});

it("archives a configured path that is a symlink as the link only, leaves out links that lead out of the root, and skips a path reached through one", async () => {
  const setup = setUp();
  const outside = join(setup.base, "outside");
  mkdirSync(outside);
  writeFileSync(join(outside, "host-secret"), "root's");
  const roots = setup.roots();
  symlinkSync("/etc", join(roots.workspace, "node_modules"));
  symlinkSync("vendor/lib", join(roots.workspace, "local"));
  symlinkSync("../outside", join(roots.workspace, "up"));
  symlinkSync(outside, join(roots.workspace, "deps"));
  symlinkSync(outside, join(roots.home, ".npm"));
  const saved = await setup.store.save(
    { repositoryId: REPO, scope: MAIN, key: "k", paths: ["node_modules", "local", "up", "deps/host-secret", "~/.npm/host-secret"] },
    roots,
  );
  expect(saved).toMatchObject({ outcome: "saved" });
  expect(await archiveContents(setup.root)).toEqual([["workspace/local", "SymbolicLink"]]);

  const later = setup.roots();
  await setup.store.restore((await find(setup.store, "k"))!.entry, later);
  expect(readlinkSync(join(later.workspace, "local"))).toBe("vendor/lib");
  expect(readdirSync(later.workspace)).toEqual(["local"]);
  expect(readdirSync(outside)).toEqual(["host-secret"]);
});

it("leaves FIFOs, sockets and hard links out of an archive: a FIFO does not hang the save, a hard link is a plain file", async () => {
  const setup = setUp();
  const roots = setup.roots();
  const modules = join(roots.workspace, "node_modules");
  mkdirSync(modules);
  writeFileSync(join(modules, "a.js"), "a");
  linkSync(join(modules, "a.js"), join(modules, "b.js"));
  execFileSync("mkfifo", [join(modules, "pipe"), join(roots.workspace, "pipe-itself")]);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(join(modules, "socket"), resolve));
  try {
    const saved = await setup.store.save(
      { repositoryId: REPO, scope: MAIN, key: "k", paths: ["node_modules", "pipe-itself"] },
      roots,
    );
    expect(saved).toMatchObject({ outcome: "saved" });
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  expect(await archiveContents(setup.root)).toEqual([
    ["workspace/node_modules/", "Directory"],
    ["workspace/node_modules/a.js", "File"],
    ["workspace/node_modules/b.js", "File"],
  ]);
  const later = setup.roots();
  await setup.store.restore((await find(setup.store, "k"))!.entry, later);
  expect(readFileSync(join(later.workspace, "node_modules", "b.js"), "utf8")).toBe("a");
  expect(lstatSync(join(later.workspace, "node_modules", "b.js")).nlink).toBe(1);
});

it("restores a crafted archive of plain entries under the two prefixes", async () => {
  const { setup } = await setUpCraftedEntry();
  replaceArchive(
    setup.root,
    craftArchive([
      { path: "workspace/dir/", type: "Directory" },
      { path: "workspace/dir/ok.txt", body: "fine" },
      { path: "workspace/dir/up-link", type: "SymbolicLink", linkpath: "../dir/ok.txt" },
      { path: "home/.npmrc", body: "registry=x" },
    ]),
  );
  const later = setup.roots();
  await setup.store.restore((await find(setup.store, "k"))!.entry, later);
  expect(readFileSync(join(later.workspace, "dir", "up-link"), "utf8")).toBe("fine");
  expect(lstatSync(join(later.workspace, "dir", "ok.txt")).uid).toBe(process.getuid!());
  expect(readFileSync(join(later.home, ".npmrc"), "utf8")).toBe("registry=x");
});

/** Entries no save writes: each one makes its archive refused whole. */
const REFUSED: Array<[string, CraftedEntry[]]> = [
  ["a `..` in the path", [{ path: "workspace/../escape", body: "out" }]],
  ["a `..` deeper in the path", [{ path: "workspace/node_modules/../../../outside/escape", body: "out" }]],
  ["a path outside the prefixes", [{ path: "../outside/escape", body: "out" }]],
  ["an absolute path", [{ path: "/workspace/absolute", body: "out" }]],
  ["another prefix", [{ path: "elsewhere/file", body: "out" }]],
  ["a backslash", [{ path: "workspace\\..\\escape", body: "out" }]],
  ["the root itself", [{ path: "workspace/", type: "Directory", mode: 0o777 }]],
  ["a hard link", [{ path: "workspace/hard", type: "Link", linkpath: "/etc/passwd" }]],
  ["a hard link inside", [{ path: "workspace/hard-inside", type: "Link", linkpath: "workspace/ok.txt" }]],
  ["a FIFO", [{ path: "workspace/fifo", type: "FIFO" }]],
  ["a device", [{ path: "workspace/null", type: "CharacterDevice" }]],
  ["a setuid file", [{ path: "workspace/suid", body: "#!/bin/sh\n", mode: 0o6755 }]],
  ["a sticky folder", [{ path: "workspace/shared", type: "Directory", mode: 0o1777 }]],
  ["an absolute link", [{ path: "workspace/abs-link", type: "SymbolicLink", linkpath: "/etc" }]],
  ["a link out of its root", [{ path: "workspace/up-link", type: "SymbolicLink", linkpath: "../../outside" }]],
  ["a link from home into the workspace", [{ path: "home/up-link", type: "SymbolicLink", linkpath: "../workspace" }]],
  [
    "a `..` after a name in a link",
    [
      { path: "workspace/dot", type: "SymbolicLink", linkpath: "." },
      { path: "workspace/climb", type: "SymbolicLink", linkpath: "dot/.." },
    ],
  ],
  [
    "a file under a link the archive made",
    [
      { path: "workspace/link", type: "SymbolicLink", linkpath: "dir" },
      { path: "workspace/link/pwned", body: "out" },
    ],
  ],
  [
    "a file where the archive made a link",
    [
      { path: "workspace/file-link", type: "SymbolicLink", linkpath: "target" },
      { path: "workspace/file-link", body: "out" },
    ],
  ],
];

it.each(REFUSED)("refuses a crafted archive with %s: extracts none of it and removes the entry, so the next run misses", async (_, bad) => {
  const { setup, outside } = await setUpCraftedEntry();
  replaceArchive(setup.root, craftArchive([{ path: "workspace/ok.txt", body: "fine" }, ...bad, { path: "workspace/after.txt", body: "fine" }]));
  const later = setup.roots();
  await expect(setup.store.restore((await find(setup.store, "k"))!.entry, later)).rejects.toThrow(
    /^cache "k" of refs\/heads\/main could not be restored and is removed: archive entry /,
  );
  expect(await find(setup.store, "k")).toBeNull();
  expect(readdirSync(later.workspace)).toEqual([]);
  expect(readdirSync(later.home)).toEqual([]);
  expect(readdirSync(outside)).toEqual([]);
  expect(existsSync(`${later.workspace}.cache-restore`)).toBe(false);
  expect(filesUnder(setup.base).filter((path) => path.endsWith("escape") || path.endsWith("absolute") || path.endsWith("pwned"))).toEqual([]);
});

it("writes nothing through a symlink the checkout has where the cache has a folder or a file, and merges into real folders", async () => {
  const { setup, outside } = await setUpCraftedEntry();
  writeFileSync(join(outside, "kept"), "host");
  const checkout = setup.roots();
  // the pushed commit has `node_modules -> <outside>` committed
  symlinkSync(outside, join(checkout.workspace, "node_modules"));
  await setup.store.restore((await find(setup.store, "k"))!.entry, checkout);
  expect(readdirSync(outside)).toEqual(["kept"]);
  expect(lstatSync(join(checkout.workspace, "node_modules")).isDirectory()).toBe(true);
  expect(readdirSync(join(checkout.workspace, "node_modules"))).toEqual(["blob"]);

  // a link where the cache has a file, a file where it has a folder, a real folder merged
  replaceArchive(
    setup.root,
    craftArchive([
      { path: "workspace/node_modules/", type: "Directory" },
      { path: "workspace/node_modules/a/", type: "Directory" },
      { path: "workspace/node_modules/a/new.js", body: "new" },
      { path: "workspace/node_modules/file-link", body: "cache" },
      { path: "workspace/node_modules/was-file/", type: "Directory" },
      { path: "workspace/node_modules/was-file/x", body: "x" },
      { path: "home/.npm/", type: "Directory" },
      { path: "home/.npm/index", body: "npm" },
    ]),
  );
  const merged = setup.roots();
  mkdirSync(join(merged.workspace, "node_modules", "a"), { recursive: true });
  writeFileSync(join(merged.workspace, "node_modules", "a", "old.js"), "old");
  symlinkSync(join(outside, "kept"), join(merged.workspace, "node_modules", "file-link"));
  writeFileSync(join(merged.workspace, "node_modules", "was-file"), "file");
  symlinkSync(outside, join(merged.home, ".npm"));
  await setup.store.restore((await find(setup.store, "k"))!.entry, merged);
  expect(readdirSync(join(merged.workspace, "node_modules", "a")).sort()).toEqual(["new.js", "old.js"]);
  expect(readFileSync(join(merged.workspace, "node_modules", "file-link"), "utf8")).toBe("cache");
  expect(lstatSync(join(merged.workspace, "node_modules", "file-link")).isFile()).toBe(true);
  expect(readFileSync(join(merged.workspace, "node_modules", "was-file", "x"), "utf8")).toBe("x");
  expect(lstatSync(join(merged.home, ".npm")).isDirectory()).toBe(true);
  expect(readdirSync(outside)).toEqual(["kept"]);
  expect(readFileSync(join(outside, "kept"), "utf8")).toBe("host");
  expect(existsSync(`${merged.workspace}.cache-restore`)).toBe(false);
});

it("throws naming the key for a truncated or garbage archive, and removes the entry so the next run misses", async () => {
  const setup = setUp();
  const { store } = setup;
  await saveRandom(setup, { key: "truncated", at: 1, bytes: 50_000 });
  const archive = filesUnder(setup.root).find((path) => path.endsWith("archive.tar.gz"))!;
  truncateSync(join(setup.root, archive), 20_000);
  const truncated = (await find(store, "truncated"))!.entry;
  await expect(store.restore(truncated, setup.roots())).rejects.toThrow(/^cache "truncated" of refs\/heads\/main could not be restored and is removed: /);
  expect(await find(store, "truncated")).toBeNull();
  expect(await store.list()).toEqual([]);
  expect(filesUnder(setup.root)).toEqual([]);

  for (const [key, bytes] of [
    ["garbage", randomBytes(10_000)],
    ["gzip of garbage", gzipSync(randomBytes(10_000))],
    ["empty", Buffer.alloc(0)],
  ] as const) {
    await saveRandom(setup, { key, at: 2 });
    replaceArchive(setup.root, bytes);
    await expect(store.restore((await find(store, key))!.entry, setup.roots())).rejects.toThrow(
      `cache ${JSON.stringify(key)} of refs/heads/main could not be restored and is removed: `,
    );
    expect(await store.list()).toEqual([]);
  }
  // an entry removed between find and restore
  await saveRandom(setup, { key: "gone", at: 3 });
  const gone = (await find(store, "gone"))!.entry;
  await store.evictOldest(1);
  await expect(store.restore(gone, setup.roots())).rejects.toThrow('cache "gone" of refs/heads/main is gone');
});

it("removes at open what a crashed save left, keeps a live process's, and never takes a temporary folder for an entry", async () => {
  const setup = setUp();
  await saveRandom(setup, { key: "k", at: 1 });
  const [entryPath] = filesUnder(setup.root).filter((path) => path.endsWith("entry.json"));
  const entryFolder = join(setup.root, entryPath!, "..");
  const scopeFolder = join(entryFolder, "..");
  // a finished-looking entry under a temporary name of a gone process (pid 0 is never one)
  const crashed = join(scopeFolder, ".tmp-0-abc-def");
  execFileSync("cp", ["-r", entryFolder, crashed]);
  writeFileSync(join(entryFolder, ".tmp-0-abc-123"), "{half a record");
  writeFileSync(join(scopeFolder, ".tmp-junk"), "");
  // the parent of this test process is alive: another gantry saving right now
  const live = join(scopeFolder, `.tmp-${process.ppid}-abc-def`);
  mkdirSync(live);
  rmSync(entryFolder, { recursive: true });
  expect(await setup.store.list()).toEqual([]);
  expect(await find(setup.store, "k")).toBeNull();

  setup.open();
  expect(existsSync(crashed)).toBe(false);
  expect(existsSync(join(scopeFolder, ".tmp-junk"))).toBe(false);
  expect(existsSync(live)).toBe(true);
});

/** The entry folder of the only entry under `root`. */
function onlyEntryFolder(root: string): string {
  const records = filesUnder(root).filter((path) => path.endsWith("entry.json"));
  expect(records).toHaveLength(1);
  return join(root, records[0]!, "..");
}

/** A tree under `node_modules` and `~/.npm` saved as `key`. */
async function saveTree(setup: ReturnType<typeof setUp>, key: string): Promise<void> {
  const roots = setup.roots();
  mkdirSync(join(roots.workspace, "node_modules", "pad", "lib"), { recursive: true });
  writeFileSync(join(roots.workspace, "node_modules", "pad", "lib", "index.js"), "module.exports = 1;\n");
  writeFileSync(join(roots.workspace, "node_modules", "pad", "cli.js"), "#!/bin/sh\n");
  chmodSync(join(roots.workspace, "node_modules", "pad", "cli.js"), 0o755);
  mkdirSync(join(roots.workspace, "node_modules", ".bin"));
  symlinkSync("../pad/cli.js", join(roots.workspace, "node_modules", ".bin", "pad"));
  mkdirSync(join(roots.home, ".npm"));
  writeFileSync(join(roots.home, ".npm", "index"), "npm");
  const saved = await setup.store.save({ repositoryId: REPO, scope: MAIN, key, paths: ["node_modules", "~/.npm"] }, roots);
  expect(saved.outcome).toBe("saved");
}

/** What a restore of saveTree's tree gave in `roots`. */
function restoredTree(roots: CacheRoots) {
  const modules = join(roots.workspace, "node_modules");
  return {
    index: readFileSync(join(modules, "pad", "lib", "index.js"), "utf8"),
    cliMode: lstatSync(join(modules, "pad", "cli.js")).mode & 0o7777,
    link: readlinkSync(join(modules, ".bin", "pad")),
    npm: readFileSync(join(roots.home, ".npm", "index"), "utf8"),
    files: filesUnder(modules),
  };
}

const TREE = { index: "module.exports = 1;\n", cliMode: 0o755, link: "../pad/cli.js", npm: "npm", files: [".bin/pad", "pad/cli.js", "pad/lib/index.js"] };

it("prepares an entry's tree ahead of its next restore, which takes it whole; the one after unpacks the archive again", async () => {
  const setup = setUp();
  const { store } = setup;
  await saveTree(setup, "npm-1");
  const folder = onlyEntryFolder(setup.root);
  const entry = (await find(store, "npm-1"))!.entry;
  await store.prepare(entry);
  expect(readdirSync(folder).sort()).toEqual(["archive.tar.gz", "entry.json", "prepared"]);
  expect(readdirSync(join(folder, "prepared")).sort()).toEqual(["bytes", "home", "workspace"]);
  // twice is once: a tree is there already
  await store.prepare(entry);

  const first = setup.roots();
  expect(await store.restore(entry, first)).toEqual({ sizeBytes: entry.sizeBytes, prepared: true });
  expect(restoredTree(first)).toEqual(TREE);
  // taken by the restore (one rename): nothing left of it in the entry, nor of the staging folder
  expect(readdirSync(folder).sort()).toEqual(["archive.tar.gz", "entry.json"]);
  expect(existsSync(`${first.workspace}.cache-restore`)).toBe(false);

  // no tree now: the next restore unpacks, and gives the same
  const second = setup.roots();
  expect(await store.restore(entry, second)).toEqual({ sizeBytes: entry.sizeBytes, prepared: false });
  expect(restoredTree(second)).toEqual(TREE);
});

it("gives the next run the archive's files, not what a run changed in the tree it took", async () => {
  const setup = setUp();
  const { store } = setup;
  await saveTree(setup, "npm-1");
  const entry = (await find(store, "npm-1"))!.entry;
  await store.prepare(entry);
  const attacker = setup.roots();
  await store.restore(entry, attacker);
  // a step with push access rewrites the restored files, and plants one
  writeFileSync(join(attacker.workspace, "node_modules", "pad", "lib", "index.js"), "steal()\n");
  writeFileSync(join(attacker.workspace, "node_modules", "pad", "planted.js"), "steal()\n");
  await store.prepare(entry);
  const next = setup.roots();
  await store.restore(entry, next);
  expect(restoredTree(next)).toEqual(TREE);
});

it("a restore started while the entry is being prepared waits for it and takes the tree; two restores at once both get every file", async () => {
  const setup = setUp();
  const { store } = setup;
  await saveTree(setup, "npm-1");
  const folder = onlyEntryFolder(setup.root);
  const entry = (await find(store, "npm-1"))!.entry;
  const preparing = store.prepare(entry);
  const during = setup.roots();
  await store.restore(entry, during);
  await preparing;
  expect(restoredTree(during)).toEqual(TREE);
  // it took the tree the preparation made rather than unpacking beside it
  expect(readdirSync(folder).sort()).toEqual(["archive.tar.gz", "entry.json"]);

  await store.prepare(entry);
  const [a, b] = [setup.roots(), setup.roots()];
  await Promise.all([store.restore(entry, a), store.restore(entry, b)]);
  expect(restoredTree(a)).toEqual(TREE);
  expect(restoredTree(b)).toEqual(TREE);
  expect(readdirSync(folder).sort()).toEqual(["archive.tar.gz", "entry.json"]);
});

it("counts a prepared tree's bytes towards the caps: preparing can evict, and removing an entry frees both", async () => {
  // ~20 KB archives of random bytes, unpacked ~24 KB: two archives fit the repository, not two and a tree
  const setup = setUp({ repositoryMaxBytes: 60_000 });
  const { store } = setup;
  const sizes = { a: await saveRandom(setup, { key: "a", at: 1, bytes: 20_000 }), b: await saveRandom(setup, { key: "b", at: 2, bytes: 20_000 }) };
  expect(await keysOf(store)).toEqual(["42/a", "42/b"]);
  await store.prepare((await find(store, "b"))!.entry);
  // b's tree pushed the repository past its cap: a, the least recently used, went
  expect(await keysOf(store)).toEqual(["42/b"]);
  const freed = await store.removeUnusedSince(Number.MAX_SAFE_INTEGER);
  expect(freed).toBeGreaterThan(sizes.b + 20_000);
  expect(freed).toBeLessThan(sizes.b + 30_000);
  expect(filesUnder(setup.root)).toEqual([]);
});

it("prepares nothing from a damaged archive (the restore then refuses it as before), and nothing for an entry that is gone", async () => {
  const setup = setUp();
  const { store } = setup;
  await saveRandom(setup, { key: "garbage", at: 1 });
  replaceArchive(setup.root, gzipSync(randomBytes(10_000)));
  const folder = onlyEntryFolder(setup.root);
  const entry = (await find(store, "garbage"))!.entry;
  await expect(store.prepare(entry)).rejects.toThrow();
  expect(readdirSync(folder).sort()).toEqual(["archive.tar.gz", "entry.json"]);
  await expect(store.restore(entry, setup.roots())).rejects.toThrow('cache "garbage" of refs/heads/main could not be restored and is removed: ');
  await store.prepare(entry);
  expect(filesUnder(setup.root)).toEqual([]);
});

const SHM = "/dev/shm";
const otherFileSystem = existsSync(SHM) && statSync(SHM).dev !== statSync(tmpdir()).dev;

it.skipIf(!otherFileSystem)("with its caches on another file system than the workspaces, unpacks the archive and leaves the tree (no rename reaches it)", async () => {
  const shm = mkdtempSync(join(SHM, "gantry-cache-"));
  temps.push(shm);
  const setup = setUp({ root: shm });
  const { store } = setup;
  await saveTree(setup, "npm-1");
  const folder = onlyEntryFolder(shm);
  const entry = (await find(store, "npm-1"))!.entry;
  await store.prepare(entry);
  const roots = setup.roots();
  expect(await store.restore(entry, roots)).toEqual({ sizeBytes: entry.sizeBytes, prepared: false });
  expect(restoredTree(roots)).toEqual(TREE);
  expect(readdirSync(folder).sort()).toEqual(["archive.tar.gz", "entry.json", "prepared"]);
});

it("unpacks nothing ahead when the tree would leave less than keepFreeBytes free, and the restore then unpacks", async () => {
  const disk = { free: 10_000_000 };
  const asked: string[] = [];
  const setup = setUp({ keepFreeBytes: 9_990_000, readFreeBytes: async (dir) => (asked.push(dir), disk.free) });
  const { store } = setup;
  await saveTree(setup, "npm-1");
  const folder = onlyEntryFolder(setup.root);
  const entry = (await find(store, "npm-1"))!.entry;
  // the tree takes a few 4 KiB blocks: more than the 10,000 bytes above the minimum
  await store.prepare(entry);
  expect(readdirSync(folder).sort()).toEqual(["archive.tar.gz", "entry.json"]);
  expect(asked).toEqual([setup.root]);
  const roots = setup.roots();
  expect(await store.restore(entry, roots)).toEqual({ sizeBytes: entry.sizeBytes, prepared: false });
  expect(restoredTree(roots)).toEqual(TREE);

  disk.free = 20_000_000;
  await store.prepare(entry);
  expect(readdirSync(folder).sort()).toEqual(["archive.tar.gz", "entry.json", "prepared"]);
});
