import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lockMirror } from "../../../src/worker/execution/mirror/lock-mirror.js";
import { mirrorStamps } from "../../../src/worker/execution/mirror/mirror-stamps.js";
import { pruneMirrors } from "../../../src/worker/execution/mirror/prune-mirrors.js";
import type { HostedRepo } from "../../fake-github/fake-github.js";
import { useMirrorFixture } from "./use-mirror-fixture.js";

const DAY = 24 * 60 * 60 * 1000;
const m = useMirrorFixture("prune");

const mirrors = () => m.mirrors;
const mirrorOf = (repo: HostedRepo) => join(mirrors(), String(repo.id));
/** Random bytes, so the objects of one commit are not in another's pack by delta. */
const noise = (n: number) => Array.from({ length: 2000 }, () => Math.random().toString(36)).join("") + n;

async function checkedOut(repo: HostedRepo, runId: string, sha: string) {
  const result = await m.checkout(repo, runId, sha);
  expect(result.outcome.exitCode).toBe(0);
  return result.dir;
}

async function age(path: string, days: number): Promise<void> {
  const then = (Date.now() - days * DAY) / 1000;
  await utimes(path, then, then);
}

const refs = async (mirror: string) => (await m.git(["for-each-ref", "--format=%(refname)", "refs/gantry/"], mirror)).split("\n").filter(Boolean);

describe("pruneMirrors", () => {
  it("removes a mirror no checkout used since the cutoff, keeps a recent one, skips a locked one, and leaves what is not a mirror", async () => {
    // the first goes (old), the second stays (recent), the third is old but locked by a checkout
    const repos = await Promise.all([0, 1, 2].map(() => m.createRepo()));
    for (const [i, repo] of repos.entries()) await checkedOut(repo, `run-${i}`, await m.pushed(repo, { "a.txt": noise(i) }, "first"));
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
    const repo = await m.createRepo();
    const first = await m.pushed(repo, { "big.txt": noise(1) }, "first");
    const second = await m.pushed(repo, { "big.txt": noise(2), "other.txt": noise(3) }, "second");
    await checkedOut(repo, "run-1", first);
    // run-2 is still running: its workspace borrows the mirror's objects
    const running = await checkedOut(repo, "run-2", second);
    const mirror = mirrorOf(repo);
    expect((await refs(mirror)).sort()).toEqual([`refs/gantry/${first}`, `refs/gantry/${second}`].sort());
    const before = await m.objectCount(mirror);
    await age(mirrorStamps(mirror).ref(first), 40);

    expect(await pruneMirrors({ root: mirrors(), before: Date.now() - 30 * DAY })).toEqual({ removed: 0, refs: 1, skipped: 0 });
    expect(await refs(mirror)).toEqual([`refs/gantry/${second}`]);
    const after = await m.objectCount(mirror);
    expect(after).toBeLessThan(before);
    await expect(m.git(["cat-file", "-e", `${first}^{commit}`], mirror)).rejects.toThrow();
    // the shallow file names only commits that are still there
    await m.git(["fsck", "--connectivity-only", "--no-dangling"], mirror);

    expect(await m.git(["log", "--format=%H"], running)).toBe(second);
    expect(await m.git(["status", "--porcelain"], running)).toBe("");
    await m.git(["fsck", "--connectivity-only", "--no-dangling"], running);

    const again = await checkedOut(repo, "run-3", first);
    expect(await m.git(["log", "-1", "--format=%H"], again)).toBe(first);
    expect((await refs(mirror)).sort()).toEqual([`refs/gantry/${first}`, `refs/gantry/${second}`].sort());
  });
});
