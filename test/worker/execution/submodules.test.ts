import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_SUBMODULE_LEVELS, MAX_SUBMODULES } from "../../../src/config/schema.js";
import type { HostedRepo } from "../../fake-github/fake-github.js";
import { commitTree as committed, gitmodules } from "../../helpers/commit-tree.js";
import { useMirrorFixture } from "./use-mirror-fixture.js";

const m = useMirrorFixture("submodules");

/** commitTree's commit, pushed to the repository's main branch. */
async function commitTree(repo: HostedRepo, files: Record<string, string>, gitlinks: Record<string, string> = {}): Promise<string> {
  const sha = await committed(repo, files, gitlinks);
  await repo.push("refs/heads/main", sha);
  return sha;
}

/** Every file below `dir`, `.git` folders included. */
async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** A superproject `app` with `vendor/lib` (an absolute URL), which has `deps/leaf` (a relative one); each gitlink an older commit than its repository's tip. */
async function nested(): Promise<{ app: HostedRepo; lib: HostedRepo; top: string; libCommit: string; leafCommit: string }> {
  const leaf = await m.createRepo();
  const leafCommit = await commitTree(leaf, { "leaf.txt": "leaf at the gitlink\n" });
  await commitTree(leaf, { "leaf.txt": "leaf's newer tip\n" });
  const lib = await m.createRepo();
  const libCommit = await commitTree(
    lib,
    { "lib.txt": "lib at the gitlink\n", ".gitmodules": gitmodules([{ name: "leaf", path: "deps/leaf", url: `../${leaf.name}.git` }]) },
    { "deps/leaf": leafCommit },
  );
  await commitTree(lib, { "lib.txt": "lib's newer tip\n" });
  const app = await m.createRepo();
  const top = await commitTree(app, { "app.txt": "app\n", ".gitmodules": gitmodules([{ name: "lib", path: "vendor/lib", url: lib.cloneUrl }]) }, { "vendor/lib": libCommit });
  return { app, lib, top, libCommit, leafCommit };
}

/** A superproject whose one submodule has `url` and `path`, its gitlink a real commit of another repository. */
async function withSubmodule(url: string, path = "vendor/x", name = "x"): Promise<{ app: HostedRepo; top: string }> {
  const other = await m.createRepo();
  const commit = await commitTree(other, { "x.txt": "x\n" });
  const app = await m.createRepo();
  const top = await commitTree(app, { ".gitmodules": gitmodules([{ name, path, url: url.replace("{other}", other.cloneUrl).replace("{otherDir}", other.bareDir) }]) }, { [path]: commit });
  return { app, top };
}

const log = () => readFile(m.log.path, "utf8");

describe("checkout of submodules", () => {
  it("checks out submodules two levels deep at their gitlinks' commits, through the mirror and without it", async () => {
    const { app, top, libCommit, leafCommit } = await nested();
    for (const [runId, extra] of [["run-mirror", {}], ["run-alone", { mirrors: { root: m.mirrors, repositoryId: Number.NaN } }]] as const) {
      const done = await m.checkout(app, runId, top, { submodules: true, ...extra });
      expect(done.outcome.exitCode, await log()).toBe(0);
      expect(await readFile(join(done.dir, "vendor/lib/lib.txt"), "utf8")).toBe("lib at the gitlink\n");
      expect(await readFile(join(done.dir, "vendor/lib/deps/leaf/leaf.txt"), "utf8")).toBe("leaf at the gitlink\n");
      expect(await m.git(["rev-parse", "HEAD"], join(done.dir, "vendor/lib"))).toBe(libCommit);
      expect(await m.git(["rev-parse", "HEAD"], join(done.dir, "vendor/lib/deps/leaf"))).toBe(leafCommit);
      // the superproject sees its submodules at the commits it names
      expect(await m.git(["status", "--porcelain"], done.dir)).toBe("");
    }
  });

  it("leaves the token in no file of the workspace, .git folders included", async () => {
    const { app, top } = await nested();
    const done = await m.checkout(app, "run-1", top, { submodules: true });
    expect(done.outcome.exitCode, await log()).toBe(0);
    const files = await allFiles(done.dir);
    expect(files.some((file) => file.endsWith("/vendor/lib/deps/leaf/.git/HEAD"))).toBe(true);
    const basic = Buffer.from(`x-access-token:${m.token}`).toString("base64");
    for (const file of files) {
      const text = await readFile(file, "latin1");
      expect(text.includes(m.token) || text.includes(basic), file).toBe(false);
    }
  });

  it("leaves the gitlinks' folders empty when the pipeline does not ask for submodules", async () => {
    const { app, top } = await nested();
    const done = await m.checkout(app, "run-1", top);
    expect(done.outcome.exitCode).toBe(0);
    expect(await readdir(join(done.dir, "vendor/lib"))).toEqual([]);
  });

  it(`checks out ${MAX_SUBMODULE_LEVELS} levels of submodules and refuses one more`, async () => {
    /** A chain of `levels` submodules below a superproject, each the only submodule of the one above. */
    const chain = async (levels: number) => {
      let below = await m.createRepo();
      let commit = await commitTree(below, { "bottom.txt": "bottom\n" });
      for (let level = 0; level < levels; level++) {
        const above = await m.createRepo();
        commit = await commitTree(above, { ".gitmodules": gitmodules([{ name: `s${level}`, path: "s", url: `../${below.name}.git` }]) }, { s: commit });
        below = above;
      }
      return { app: below, top: commit };
    };
    const deepest = await chain(MAX_SUBMODULE_LEVELS);
    const done = await m.checkout(deepest.app, "run-deepest", deepest.top, { submodules: true });
    expect(done.outcome.exitCode, await log()).toBe(0);
    expect(await readFile(join(done.dir, ...Array<string>(MAX_SUBMODULE_LEVELS).fill("s"), "bottom.txt"), "utf8")).toBe("bottom\n");
    const deeper = await chain(MAX_SUBMODULE_LEVELS + 1);
    const refused = await m.checkout(deeper.app, "run-deeper", deeper.top, { submodules: true });
    expect(refused.outcome.exitCode).toBe(1);
    expect(await log()).toContain(`gantry: submodule "s0" refused: it is more than ${MAX_SUBMODULE_LEVELS} levels of submodules deep`);
  });

  it(`refuses a commit naming more than ${MAX_SUBMODULES} submodules before fetching any`, async () => {
    const other = await m.createRepo();
    const commit = await commitTree(other, { "x.txt": "x\n" });
    const count = MAX_SUBMODULES + 1;
    const modules = Array.from({ length: count }, (_, i) => ({ name: `m${i}`, path: `vendor/m${i}`, url: other.cloneUrl }));
    const app = await m.createRepo();
    const top = await commitTree(app, { ".gitmodules": gitmodules(modules) }, Object.fromEntries(modules.map((module) => [module.path, commit])));
    const done = await m.checkout(app, "run-1", top);
    expect(done.outcome.exitCode).toBe(0);
    const requests = m.fake.gitRequests.length;
    const refused = await m.checkout(app, "run-2", top, { submodules: true });
    expect(refused.outcome.exitCode).toBe(1);
    expect(await log()).toContain(`gantry: the submodules of ${top} refused: the checkout has more than ${MAX_SUBMODULES} submodules (this commit names ${count})`);
    // the superproject was in the mirror already: not one request, no submodule fetched
    expect(m.fake.gitRequests.length).toBe(requests);
  });

  it("keeps the whole checkout, submodules included, within its one time limit", async () => {
    const { app, lib: libRepo, top } = await nested();
    const limitMs = 6_000;
    // the commit's own fetch takes most of the limit, then the submodule's never answers
    const own = m.fake.hold("POST", new RegExp(`^/octo/${app.name}\\.git/git-upload-pack$`));
    const lib = m.fake.hold("*", new RegExp(`^/octo/${libRepo.name}\\.git/`));
    const started = Date.now();
    const done = m.checkout(app, "run-1", top, { submodules: true, timeoutMs: limitMs });
    await own.reached;
    await new Promise((resolve) => setTimeout(resolve, limitMs * 0.7));
    own.release();
    const { outcome } = await done;
    lib.release();
    expect(outcome.timedOut).toBe(true);
    // each git process with the full limit would take 1.7 of it
    expect(Date.now() - started).toBeLessThan(limitMs * 1.4);
  });

  describe("refusals", () => {
    let elsewhere: Server;
    const seen: IncomingHttpHeaders[] = [];
    beforeAll(async () => {
      // another host: the same address on another port
      elsewhere = createServer((req, res) => {
        seen.push(req.headers);
        res.writeHead(404).end();
      });
      await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
    });
    afterAll(() => new Promise<void>((resolve) => elsewhere.close(() => resolve())));

    it("refuses a submodule on another host, which is sent nothing, the token least of all", async () => {
      const { port } = elsewhere.address() as AddressInfo;
      const { app, top } = await withSubmodule(`http://127.0.0.1:${port}/octo/x.git`);
      const done = await m.checkout(app, "run-1", top, { submodules: true });
      expect(seen.filter((headers) => headers.authorization !== undefined)).toEqual([]);
      expect(seen).toEqual([]);
      expect(done.outcome.exitCode).toBe(1);
      expect(await log()).toContain(`gantry: submodule "x" refused: its URL is on 127.0.0.1:${port}, not on the repository's host ${new URL(app.cloneUrl).host}`);
    });

    it("refuses file:// and ext:: URLs, running nothing", async () => {
      const marker = join(m.root, "ext-ran");
      const cases = [
        ["file://{otherDir}", "is a local file:// URL"],
        [`ext::sh -c touch% ${marker}`, "has a control or space character"],
        [`ext::sh%20-c%20touch%25%20${marker}`, "uses a remote helper"],
      ] as const;
      for (const [index, [url, reason]] of cases.entries()) {
        const { app, top } = await withSubmodule(url);
        const done = await m.checkout(app, `run-${index}`, top, { submodules: true });
        expect(done.outcome.exitCode, url).toBe(1);
        expect(await log()).toContain(`gantry: submodule "x" refused: its URL ${reason}`);
      }
      expect(existsSync(marker)).toBe(false);
    });

    it("refuses a path that git would read as an option", async () => {
      const { app, top } = await withSubmodule("{other}", "-evil");
      const done = await m.checkout(app, "run-1", top, { submodules: true });
      expect(done.outcome.exitCode).toBe(1);
      expect(await log()).toContain(`gantry: submodule "x" refused: its path starts with '-'`);
      expect(existsSync(join(done.dir, "-evil", ".git"))).toBe(false);
    });
  });
});
