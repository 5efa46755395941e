import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, stat, truncate, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { prefetchIntoMirror, type CheckoutOptions } from "../../../src/worker/execution/workspace.js";
import { listRepositoryFiles } from "../../../src/worker/scanning/list-repository-files.js";
import type { HostedRepo } from "../../fake-github/fake-github.js";
import { useMirrorFixture } from "./use-mirror-fixture.js";

const m = useMirrorFixture("mirror");
let repo: HostedRepo;
beforeEach(async () => {
  repo = await m.createRepo();
});

/** More files than git's unpack limit (100): a fetch of all of them lands as a pack, a fetch of a few as loose objects. */
const manyFiles = () => Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`src/f${i}.txt`, `file ${i}\n`]));
const pushed = (files: Record<string, string | null>, message: string) => m.pushed(repo, files, message);
const mirrorOf = () => join(m.mirrors, String(repo.id));
const run = (runId: string, sha: string, extra: Partial<CheckoutOptions> = {}) => m.checkout(repo, runId, sha, extra);
const head = (dir: string) => m.git(["log", "-1", "--format=%H"], dir);

describe("checkout from the repository's mirror", () => {
  it("fetches only what the mirror lacks: the second run of a repository transfers the new commit's objects alone", async () => {
    const first = await pushed(manyFiles(), "first");
    const cold = await run("run-1", first);
    expect(cold.outcome.exitCode).toBe(0);
    expect(cold.mirror).toBe(mirrorOf());
    // commit, 2 trees, 150 blobs
    expect(await m.objectCount(mirrorOf())).toBe(153);
    expect(await head(cold.dir)).toBe(first);

    const second = await pushed({ "src/f7.txt": "changed\n" }, "second");
    const requests = m.fake.gitRequests.length;
    const warm = await run("run-2", second);
    expect(warm.outcome.exitCode).toBe(0);
    // the new commit, its root tree, src/ and one blob: not the 150 files again
    expect(await m.objectCount(mirrorOf())).toBe(157);
    expect(m.fake.gitRequests.slice(requests).some((r) => r.path.endsWith("/git-upload-pack"))).toBe(true);
    expect(await readFile(join(warm.dir, "src", "f7.txt"), "utf8")).toBe("changed\n");
    expect(await head(warm.dir)).toBe(second);
    // the workspace borrows, it does not copy
    expect(await m.objectCount(warm.dir)).toBe(0);
    // what gantry's scanner lists right after the checkout
    const files = await listRepositoryFiles(warm.dir);
    expect(files?.paths.size).toBe(150);

    // a commit the mirror has already: no request at all
    const before = m.fake.gitRequests.length;
    const again = await run("run-3", first);
    expect(again.outcome.exitCode).toBe(0);
    expect(m.fake.gitRequests.length).toBe(before);
    expect(await readFile(join(again.dir, "src", "f7.txt"), "utf8")).toBe("file 7\n");
    expect(await m.git(["config", "gc.auto"], mirrorOf())).toBe("0");
  });

  it("leaves a workspace on a detached HEAD at the commit, with no sample hooks, whether fetched or already in the mirror", async () => {
    const first = await pushed({ "a.txt": "one\n" }, "first");
    for (const runId of ["run-1", "run-2"]) {
      const done = await run(runId, first);
      expect(done.outcome.exitCode).toBe(0);
      expect(await m.git(["rev-parse", "HEAD"], done.dir)).toBe(first);
      await expect(m.git(["symbolic-ref", "-q", "HEAD"], done.dir)).rejects.toThrow();
      expect(await m.git(["status", "--porcelain"], done.dir)).toBe("");
      expect(existsSync(join(done.dir, ".git", "hooks"))).toBe(false);
    }
  });

  it("writes the workspace's repository as `git init` would: git reads it as one, borrowing the mirror's objects", async () => {
    const sha = await pushed({ "a.txt": "one\n" }, "first");
    const done = await run("run-1", sha, { depth: 1 });
    expect(done.outcome.exitCode).toBe(0);
    expect(await m.git(["rev-parse", "--is-bare-repository", "--is-shallow-repository"], done.dir)).toBe("false\ntrue");
    expect(await m.git(["rev-parse", "--show-toplevel"], done.dir)).toBe(done.dir);
    // the same settings as a repository git made itself
    const made = join(m.root, "made");
    await m.git(["init", "--quiet", "--template=", made], m.root);
    const local = (dir: string) => m.git(["config", "--local", "--list"], dir);
    expect(await local(done.dir)).toBe(await local(made));
    expect(await readFile(join(done.dir, ".git", "objects", "info", "alternates"), "utf8")).toBe(`${join(mirrorOf(), "objects")}\n`);
    expect(await readFile(join(done.dir, ".git", "shallow"), "utf8")).toBe(await readFile(join(mirrorOf(), "shallow"), "utf8"));
    await m.git(["fsck", "--no-dangling"], done.dir);
    expect(await m.git(["status", "--porcelain"], done.dir)).toBe("");
  });

  it("takes nothing of the workspace's repository from the commit: a tree holding `.git/config` is refused, and no option of it is set", async () => {
    // a commit no `git add` would make: `.git/config` in its tree, asking git to run a command at each status
    const env = { ...repo.env(), GIT_DIR: repo.bareDir };
    const inBare = (args: string[], input = "") => execFileSync("git", args, { cwd: repo.bareDir, env, input, encoding: "utf8" }).trim();
    const pwned = join(m.root, "pwned");
    const config = inBare(["hash-object", "-w", "--stdin"], `[core]\n\tfsmonitor = touch ${pwned}\n`);
    const dotGit = inBare(["mktree"], `100644 blob ${config}\tconfig\n`);
    const readme = inBare(["hash-object", "-w", "--stdin"], "hi\n");
    const tree = inBare(["mktree"], `040000 tree ${dotGit}\t.git\n100644 blob ${readme}\tREADME\n`);
    const sha = inBare(["commit-tree", tree, "-m", "evil"]);
    inBare(["update-ref", "refs/heads/evil", sha]);
    const done = await run("run-1", sha);
    expect(done.outcome.exitCode).not.toBe(0);
    expect(await readFile(m.log.path, "utf8")).toContain("invalid path '.git/config'");
    if (existsSync(join(done.dir, ".git", "config"))) {
      await expect(m.git(["config", "core.fsmonitor"], done.dir)).rejects.toThrow();
      await m.git(["status", "--porcelain"], done.dir).catch(() => "");
    }
    expect(existsSync(pwned)).toBe(false);
  });

  it("fetches a commit the mirror holds without its ref of a fetch (brought as history), and checks it out", async () => {
    const first = await pushed({ "a.txt": "one\n" }, "first");
    const second = await pushed({ "a.txt": "two\n" }, "second");
    expect((await run("run-1", second, { depth: 2 })).outcome.exitCode).toBe(0);
    const done = await run("run-2", first);
    expect(done.outcome.exitCode).toBe(0);
    expect(await readFile(join(done.dir, "a.txt"), "utf8")).toBe("one\n");
    expect(existsSync(join(mirrorOf(), "refs", "gantry", first))).toBe(true);
  });

  it("keeps the token out of every file of the mirror and the workspace", async () => {
    const sha = await pushed({ "a.txt": "a\n" }, "one");
    const done = await run("run-1", sha);
    expect(done.outcome.exitCode).toBe(0);
    const basic = Buffer.from(`x-access-token:${m.token}`).toString("base64");
    for (const dir of [mirrorOf(), done.dir]) {
      for (const file of await filesUnder(dir)) {
        const text = await readFile(file, "latin1");
        expect(text.includes(m.token) || text.includes(basic), file).toBe(false);
      }
    }
    await expect(m.git(["config", "--get-regexp", "http"], mirrorOf())).rejects.toThrow();
  });

  it("serves two runs of one repository at once, each fetching its own commit, and leaves the mirror sound", async () => {
    const base = await pushed(manyFiles(), "base");
    const one = await pushed({ "one.txt": "1\n" }, "one");
    const two = await pushed({ "two.txt": "2\n" }, "two");
    await run("run-0", base);
    const [a, b] = await Promise.all([run("run-a", one), run("run-b", two)]);
    expect(a.outcome.exitCode).toBe(0);
    expect(b.outcome.exitCode).toBe(0);
    expect(await head(a.dir)).toBe(one);
    expect(await head(b.dir)).toBe(two);
    await m.git(["fsck", "--no-dangling"], mirrorOf());
    const refs = await m.git(["for-each-ref", "--format=%(refname)"], mirrorOf());
    expect(refs.split("\n").sort()).toEqual([base, one, two].map((sha) => `refs/gantry/${sha}`).sort());
    expect(existsSync(`${mirrorOf()}.lock`)).toBe(false);
  });

  const corruptions: Array<[string, (mirror: string, sha: string) => Promise<void>]> = [
    ["a deleted object file", async (mirror, sha) => {
      // the commit's root tree: the commit is there (no fetch), its files are not
      const tree = await m.git(["rev-parse", `${sha}^{tree}`], mirror);
      await unlink(join(mirror, "objects", tree.slice(0, 2), tree.slice(2)));
    }],
    ["a truncated pack", async (mirror) => {
      const packs = join(mirror, "objects", "pack");
      const pack = (await readdir(packs)).find((name) => name.endsWith(".pack"))!;
      await truncate(join(packs, pack), Math.floor((await stat(join(packs, pack))).size / 2));
    }],
    ["garbage in HEAD", async (mirror) => {
      await writeFile(join(mirror, "HEAD"), "garbage\n");
    }],
  ];
  for (const [what, corrupt] of corruptions) {
    it(`rebuilds a mirror with ${what}, and the run succeeds`, async () => {
      const files = what === "a truncated pack" ? manyFiles() : { "a.txt": "a\n", "b.txt": "b\n" };
      const sha = await pushed(files, "one");
      expect((await run("run-1", sha)).outcome.exitCode).toBe(0);
      await corrupt(mirrorOf(), sha);
      const done = await run("run-2", sha);
      expect(done.outcome.exitCode).toBe(0);
      expect(await head(done.dir)).toBe(sha);
      expect(await readFile(m.log.path, "utf8"), what).toContain("rebuilding it");
      await m.git(["fsck"], mirrorOf());
    });
  }

  it("keeps a sound mirror when the remote cannot give the commit, and fails the checkout as before", async () => {
    const sha = await pushed({ "a.txt": "a\n" }, "one");
    expect((await run("run-1", sha)).outcome.exitCode).toBe(0);
    const done = await run("run-2", "1".repeat(40));
    expect(done.outcome.exitCode).not.toBe(0);
    const text = await readFile(m.log.path, "utf8");
    expect(text).toContain("fetching it alone");
    expect(text).not.toContain("rebuilding it");
    // the first run's commit is still there: the mirror was not thrown away
    expect(await m.git(["cat-file", "-t", sha], mirrorOf())).toBe("commit");
  });

  it("takes over a lock left by a process that is gone", async () => {
    const sha = await pushed({ "a.txt": "a\n" }, "one");
    await mkdir(`${mirrorOf()}.lock`, { recursive: true });
    // a pid above the kernel's limit (4194304) names no process
    await writeFile(join(`${mirrorOf()}.lock`, "owner"), `99999999 ${Date.now()}\n`);
    const done = await run("run-1", sha);
    expect(done.outcome.exitCode).toBe(0);
    expect(done.mirror).toBe(mirrorOf());
    expect(existsSync(`${mirrorOf()}.lock`)).toBe(false);
  });

  it("fetches the commit alone when no mirror can be made", async () => {
    const sha = await pushed({ "a.txt": "a\n" }, "one");
    // a file where the mirrors' directory should be
    await writeFile(m.mirrors, "not a directory");
    const done = await run("run-1", sha);
    expect(done.outcome.exitCode).toBe(0);
    expect(done.mirror).toBeUndefined();
    expect(await head(done.dir)).toBe(sha);
    expect(await readFile(m.log.path, "utf8")).toContain("fetching the commit alone");
  });

  it("fetches the pipeline's depth of history into the mirror", async () => {
    const first = await pushed({ "a.txt": "1\n" }, "one");
    const second = await pushed({ "a.txt": "2\n" }, "two");
    const third = await pushed({ "a.txt": "3\n" }, "three");
    const done = await run("run-1", third, { depth: 2 });
    expect(done.outcome.exitCode).toBe(0);
    const history = await m.git(["log", "--format=%H"], done.dir);
    expect(history.split("\n")).toEqual([third, second]);
    expect(history).not.toContain(first);
  });
});

describe("the commit fetched into the mirror ahead of its runs (prefetchIntoMirror)", () => {
  const prefetch = (sha: string, token: Promise<string> = Promise.resolve(m.token)) =>
    prefetchIntoMirror({ mirrors: { root: m.mirrors, repositoryId: repo.id }, cloneUrl: repo.cloneUrl, sha, token, timeoutMs: 30_000 });

  it("fetches the commit once: the run's checkout after it asks the git server nothing, and one during it waits for it", async () => {
    const first = await pushed(manyFiles(), "first");
    expect(await prefetch(first)).toBe(true);
    expect(await m.objectCount(mirrorOf())).toBe(153);
    const before = m.fake.gitRequests.length;
    const done = await run("run-1", first);
    expect(done.outcome.exitCode).toBe(0);
    expect(await head(done.dir)).toBe(first);
    expect(m.fake.gitRequests.length).toBe(before);

    // a checkout started while the prefetch is under way waits on the mirror's lock, then fetches nothing more
    const second = await pushed({ "src/f7.txt": "changed\n" }, "second");
    const start = m.fake.gitRequests.length;
    const [prefetched, during] = await Promise.all([prefetch(second), run("run-2", second)]);
    expect(prefetched).toBe(true);
    expect(during.outcome.exitCode).toBe(0);
    expect(await readFile(join(during.dir, "src", "f7.txt"), "utf8")).toBe("changed\n");
    expect(m.fake.gitRequests.slice(start).filter((r) => r.path.endsWith("/git-upload-pack"))).toHaveLength(1);
  });

  it("gives a pipeline that asks for more history than the prefetched commit all of it", async () => {
    const first = await pushed({ "a.txt": "1\n" }, "one");
    const second = await pushed({ "a.txt": "2\n" }, "two");
    const third = await pushed({ "a.txt": "3\n" }, "three");
    expect(await prefetch(third)).toBe(true);
    const done = await run("run-1", third, { depth: 2 });
    expect(done.outcome.exitCode).toBe(0);
    const history = await m.git(["log", "--format=%H"], done.dir);
    expect(history.split("\n")).toEqual([third, second]);
    expect(history).not.toContain(first);
  });

  it("says false and leaves the run's checkout to fetch when the commit cannot be had: a bad token, an unknown commit", async () => {
    const sha = await pushed({ "a.txt": "1\n" }, "one");
    const failed = Promise.reject(new Error("no token"));
    failed.catch(() => {});
    expect(await prefetch(sha, failed)).toBe(false);
    expect(await prefetch("f".repeat(40))).toBe(false);
    const done = await run("run-1", sha);
    expect(done.outcome.exitCode).toBe(0);
    expect(await head(done.dir)).toBe(sha);
  });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}
