import { access, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { HostedRepo } from "../../fake-github/fake-github.js";
import { LFS_MISSING } from "../../../src/worker/execution/pull-lfs-objects.js";
import { commitTree, gitmodules } from "../../helpers/commit-tree.js";
import { useMirrorFixture } from "./use-mirror-fixture.js";

const m = useMirrorFixture("lfs");
const log = () => readFile(m.log.path, "utf8");
const ATTRIBUTES = "*.bin filter=lfs diff=lfs merge=lfs -text\n";
const batches = (repo: HostedRepo) => m.fake.gitRequests.filter((request) => request.path === `/${repo.fullName}.git/info/lfs/objects/batch`);

/** Every file below `dir`, `.git` included. */
async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** The first `name` on PATH. */
async function which(name: string): Promise<string> {
  for (const dir of (process.env["PATH"] ?? "").split(":")) {
    const found = join(dir, name);
    if (await access(found).then(() => true, () => false)) return found;
  }
  throw new Error(`no ${name} on PATH`);
}

/** No file of the workspace (`.git` and git-lfs's logs included) holds the token, as it is or as the header has it. */
async function expectNoToken(dir: string): Promise<void> {
  const basic = Buffer.from(`x-access-token:${m.token}`).toString("base64");
  for (const file of await allFiles(dir)) {
    const text = await readFile(file, "latin1");
    expect(text.includes(m.token) || text.includes(basic), file).toBe(false);
  }
}

/** A repository whose commit has `data/big.bin` as an LFS pointer to `content`, its object on the fake. */
async function withLfsFile(content: string, stored = true): Promise<{ repo: HostedRepo; sha: string; pointer: string }> {
  const repo = await m.createRepo();
  // not stored: the object is another repository's, which this one's batch answers do not give
  const object = await m.fake.putLfsObject(stored ? repo : await m.createRepo(), content);
  // the commit's own .lfsconfig names another endpoint: gantry's lfs.url wins over it
  const lfsconfig = '[lfs]\n\turl = "http://127.0.0.1:9/elsewhere/info/lfs"\n';
  const sha = await m.pushed(repo, { ".gitattributes": ATTRIBUTES, ".lfsconfig": lfsconfig, "data/big.bin": object.pointer, "small.txt": "plain\n" }, "an LFS file");
  return { repo, sha, pointer: object.pointer };
}

describe("checkout of LFS files", () => {
  it("replaces the pointer with its object, through the mirror and without it, the token never sent to the download host nor written", async () => {
    const content = "the real content of an LFS file\n".repeat(100);
    const { repo, sha } = await withLfsFile(content);
    for (const [runId, extra] of [["run-mirror", {}], ["run-alone", { mirrors: { root: m.mirrors, repositoryId: Number.NaN } }]] as const) {
      const downloads = m.fake.lfsDownloads.length;
      const done = await m.checkout(repo, runId, sha, { lfs: true, ...extra });
      expect(done.outcome.exitCode, await log()).toBe(0);
      expect(await readFile(join(done.dir, "data", "big.bin"), "utf8")).toBe(content);
      expect(await readFile(join(done.dir, "small.txt"), "utf8")).toBe("plain\n");
      const fetched = m.fake.lfsDownloads.slice(downloads);
      expect(fetched.map((download) => download.status)).toEqual([200]);
      expect(fetched[0]?.authorization).toEqual([]);
      await expectNoToken(done.dir);
      // no hooks or filters git-lfs would have a step's git run
      expect(await m.git(["config", "--local", "--list"], done.dir)).not.toMatch(/filter\.lfs|lfs\.url|extraheader/i);
      const hooks = (await allFiles(join(done.dir, ".git"))).filter((file) => file.includes(`${join(".git", "hooks")}`) && !file.endsWith(".sample"));
      expect(hooks).toEqual([]);
    }
    expect(batches(repo).length).toBe(2);
    expect(batches(repo).every((request) => request.user === "x-access-token")).toBe(true);
  });

  it("replaces a submodule's pointers too, from the submodule's own endpoint (its URL with or without .git)", async () => {
    const content = "a submodule's LFS content\n".repeat(50);
    const lib = await withLfsFile(content);
    const other = await withLfsFile("another submodule's LFS content\n");
    const app = await m.createRepo();
    const modules = [
      { name: "lib", path: "vendor/lib", url: lib.repo.cloneUrl },
      { name: "other", path: "vendor/other", url: other.repo.cloneUrl.replace(/\.git$/, "") },
    ];
    const top = await commitTree(app, { ".gitmodules": gitmodules(modules) }, { "vendor/lib": lib.sha, "vendor/other": other.sha });
    await app.push("refs/heads/main", top);
    const done = await m.checkout(app, "run-both", top, { submodules: true, lfs: true });
    expect(done.outcome.exitCode, await log()).toBe(0);
    expect(await readFile(join(done.dir, "vendor", "lib", "data", "big.bin"), "utf8")).toBe(content);
    expect(await readFile(join(done.dir, "vendor", "other", "data", "big.bin"), "utf8")).toBe("another submodule's LFS content\n");
    expect(batches(lib.repo).length).toBe(1);
    expect(batches(other.repo).length).toBe(1);
    await expectNoToken(done.dir);
    const hooks = (await allFiles(done.dir)).filter((file) => file.includes(join(".git", "hooks")) && !file.endsWith(".sample"));
    expect(hooks).toEqual([]);

    const pointers = await m.checkout(app, "run-submodules-only", top, { submodules: true });
    expect(pointers.outcome.exitCode, await log()).toBe(0);
    expect(await readFile(join(pointers.dir, "vendor", "lib", "data", "big.bin"), "utf8")).toBe(lib.pointer);
    expect(batches(lib.repo).length).toBe(1);
  });

  it("leaves the pointer as committed without lfs, and asks no LFS endpoint", async () => {
    const { repo, sha, pointer } = await withLfsFile("not fetched\n");
    const downloads = m.fake.lfsDownloads.length;
    const done = await m.checkout(repo, "run", sha);
    expect(done.outcome.exitCode, await log()).toBe(0);
    expect(await readFile(join(done.dir, "data", "big.bin"), "utf8")).toBe(pointer);
    expect(batches(repo)).toEqual([]);
    expect(m.fake.lfsDownloads.length).toBe(downloads);
  });

  it("fails the checkout when an object is missing, saying so in the log", async () => {
    const { repo, sha } = await withLfsFile("an object the repository does not have\n", false);
    const done = await m.checkout(repo, "run", sha, { lfs: true });
    expect(done.outcome.exitCode).not.toBe(0);
    const text = await log();
    expect(text).toContain("gantry: the commit's LFS files could not be downloaded");
    expect(text).toMatch(/Object does not exist/);
    expect(text).not.toContain(m.token);
    await expectNoToken(done.dir);
  });

  it("fails the checkout, saying what to install, when the worker has git but no git-lfs", async () => {
    const { repo, sha } = await withLfsFile("needs git-lfs\n");
    const bin = join(m.root, "bin");
    await mkdir(bin);
    // git alone, as where git-lfs was never installed: without the filters its package wrote into the system config
    await writeFile(join(bin, "git"), `#!/bin/sh\nGIT_CONFIG_NOSYSTEM=1 exec ${await which("git")} "$@"\n`, { mode: 0o755 });
    const path = process.env["PATH"];
    process.env["PATH"] = bin;
    try {
      const done = await m.checkout(repo, "run", sha, { lfs: true });
      expect(done.outcome.exitCode, await log()).toBe(1);
    } finally {
      process.env["PATH"] = path;
    }
    expect(await log()).toContain(`gantry: ${LFS_MISSING}\n`);
    expect(batches(repo)).toEqual([]);
  });
});
