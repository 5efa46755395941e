import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LogFile } from "../../../src/worker/execution/log-file.js";
import { checkout } from "../../../src/worker/execution/workspace.js";
import { lockMirror } from "../../../src/worker/execution/mirror/lock-mirror.js";
import { mirrorStamps } from "../../../src/worker/execution/mirror/mirror-stamps.js";
import { pruneMirrors } from "../../../src/worker/execution/mirror/prune-mirrors.js";
import { git, gitEnv } from "../../helpers/git-repo.js";
import { createAppKey } from "../../fake-github/app-key.js";
import { startFakeGitHub, type FakeGitHub, type HostedRepo } from "../../fake-github/fake-github.js";

const APP_ID = 4244;
const DAY = 24 * 60 * 60 * 1000;
const key = createAppKey();
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

let fake: FakeGitHub;
let token: string;
beforeAll(async () => {
  fake = await startFakeGitHub({ appId: APP_ID, publicKey: key.publicKey });
  const octokit = new ProbotOctokit({ auth: { appId: APP_ID, privateKey: key.privateKey }, baseUrl: fake.apiUrl, throttle: { enabled: false }, log: silent });
  token = ((await octokit.auth({ type: "installation", installationId: 1 })) as { token: string }).token;
});
afterAll(async () => {
  await fake.close();
});

let root: string;
let log: LogFile;
let count = 0;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "gantry-prune-"));
  log = new LogFile(join(root, "logs", "run.log"));
});
afterEach(async () => {
  log.close();
  await rm(root, { recursive: true, force: true });
});

const mirrors = () => join(root, "mirrors");
const mirrorOf = (repo: HostedRepo) => join(mirrors(), String(repo.id));
/** Random bytes, so the objects of one commit are not in another's pack by delta. */
const noise = (n: number) => Array.from({ length: 2000 }, () => Math.random().toString(36)).join("") + n;

async function pushed(repo: HostedRepo, files: Record<string, string>, message: string): Promise<string> {
  const sha = await repo.commit(files, message);
  await repo.push("refs/heads/main", sha);
  return sha;
}

async function checkedOut(repo: HostedRepo, runId: string, sha: string) {
  const result = await checkout({
    root: join(root, "workspaces"),
    runId,
    cloneUrl: repo.cloneUrl,
    sha,
    token,
    mirrors: { root: mirrors(), repositoryId: repo.id },
    logFd: log.fd,
    timeoutMs: 30_000,
  });
  expect(result.outcome.exitCode).toBe(0);
  return result.dir;
}

async function age(path: string, days: number): Promise<void> {
  const then = (Date.now() - days * DAY) / 1000;
  await utimes(path, then, then);
}

async function objectCount(dir: string): Promise<number> {
  const out = await git(["count-objects", "-v"], { cwd: dir, env: gitEnv(root) });
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(out)?.[1]);
  return field("count") + field("in-pack");
}

const refs = async (mirror: string) =>
  (await git(["for-each-ref", "--format=%(refname)", "refs/gantry/"], { cwd: mirror, env: gitEnv(root) })).split("\n").filter(Boolean);

describe("pruneMirrors", () => {
  it("removes a mirror no checkout used since the cutoff, keeps a recent one, skips a locked one, and leaves what is not a mirror", async () => {
    // the first goes (old), the second stays (recent), the third is old but locked by a checkout
    const repos = await Promise.all([0, 1, 2].map(() => fake.createRepo("octo", `prune${++count}`)));
    for (const [i, repo] of repos.entries()) await checkedOut(repo, `run-${i}`, await pushed(repo, { "a.txt": noise(i) }, "first"));
    await age(mirrorStamps(mirrorOf(repos[0]!)).mirror, 40);
    await age(mirrorStamps(mirrorOf(repos[2]!)).mirror, 40);
    await mkdir(join(mirrors(), "not-a-mirror"));
    const elsewhere = await mkdtemp(join(tmpdir(), "gantry-prune-elsewhere-"));
    await symlink(elsewhere, join(mirrors(), "999"));

    let release!: () => void;
    let held!: () => void;
    const holding = new Promise<void>((resolve) => (held = resolve));
    const lock = lockMirror(mirrorOf(repos[2]!), () => {
      held();
      return new Promise<void>((resolve) => (release = resolve));
    });
    await holding;
    const pruned = await pruneMirrors({ root: mirrors(), before: Date.now() - 30 * DAY });
    release();
    await lock;

    expect(pruned).toEqual({ removed: 1, refs: 0, skipped: 1 });
    expect(existsSync(mirrorOf(repos[0]!))).toBe(false);
    expect(existsSync(join(mirrorOf(repos[1]!), "config"))).toBe(true);
    expect(existsSync(join(mirrorOf(repos[2]!), "config"))).toBe(true);
    expect(existsSync(join(mirrors(), "not-a-mirror"))).toBe(true);
    expect(existsSync(elsewhere)).toBe(true);
    // free again: the next sweep takes the one that was locked
    expect(await pruneMirrors({ root: mirrors(), before: Date.now() - 30 * DAY })).toEqual({ removed: 1, refs: 0, skipped: 0 });
    await rm(elsewhere, { recursive: true, force: true });
  });

  it("deletes the refs of commits not used since the cutoff and their objects, while a running workspace keeps working; a pruned commit is fetched again", async () => {
    const repo = await fake.createRepo("octo", `prune${++count}`);
    const first = await pushed(repo, { "big.txt": noise(1) }, "first");
    const second = await pushed(repo, { "big.txt": noise(2), "other.txt": noise(3) }, "second");
    await checkedOut(repo, "run-1", first);
    // run-2 is still running: its workspace borrows the mirror's objects
    const running = await checkedOut(repo, "run-2", second);
    const mirror = mirrorOf(repo);
    expect((await refs(mirror)).sort()).toEqual([`refs/gantry/${first}`, `refs/gantry/${second}`].sort());
    const before = await objectCount(mirror);
    await age(mirrorStamps(mirror).ref(first), 40);

    expect(await pruneMirrors({ root: mirrors(), before: Date.now() - 30 * DAY })).toEqual({ removed: 0, refs: 1, skipped: 0 });
    expect(await refs(mirror)).toEqual([`refs/gantry/${second}`]);
    const after = await objectCount(mirror);
    expect(after).toBeLessThan(before);
    await expect(git(["cat-file", "-e", `${first}^{commit}`], { cwd: mirror, env: gitEnv(root) })).rejects.toThrow();
    // the shallow file names only commits that are still there
    await git(["fsck", "--connectivity-only", "--no-dangling"], { cwd: mirror, env: gitEnv(root) });

    expect(await git(["log", "--format=%H"], { cwd: running, env: gitEnv(root) })).toBe(second);
    expect(await git(["status", "--porcelain"], { cwd: running, env: gitEnv(root) })).toBe("");
    await git(["fsck", "--connectivity-only", "--no-dangling"], { cwd: running, env: gitEnv(root) });

    const again = await checkedOut(repo, "run-3", first);
    expect(await git(["log", "-1", "--format=%H"], { cwd: again, env: gitEnv(root) })).toBe(first);
    expect((await refs(mirror)).sort()).toEqual([`refs/gantry/${first}`, `refs/gantry/${second}`].sort());
  });
});
