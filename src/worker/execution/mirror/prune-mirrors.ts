import { lstat, readdir, rm, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { execa } from "execa";
import { lockMirror } from "./lock-mirror.js";
import { markMirrorUsed } from "./mark-mirror-used.js";
import { mirrorStamps } from "./mirror-stamps.js";

export interface PrunedMirrors {
  /** Mirrors removed whole: no checkout used them since the cutoff. */
  removed: number;
  /** `refs/gantry/<sha>` refs deleted from the mirrors kept (their objects went with a `git gc`). */
  refs: number;
  /** Mirrors a checkout (or another sweep) held locked: left for the next sweep. */
  skipped: number;
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const GIT_TIMEOUT_MS = 10 * 60_000;

/**
 * This worker's mirrors (`root/<repository id>`), each under its lock and only when it is free: a mirror no
 * checkout used since `before` is removed; in one that stays, the refs of commits no checkout used since then
 * are deleted and `git gc --prune=now` drops their objects (and their lines of the shallow file). A running
 * workspace borrows the objects of its own commit, whose ref its checkout stamped, so they stay. A mirror or ref
 * without a stamp (made before stamps were) is stamped now: its time starts today. Names that are not a
 * repository id, and symlinks, are not gantry's and stay.
 */
export async function pruneMirrors(options: { root: string; before: number; signal?: AbortSignal }): Promise<PrunedMirrors> {
  const totals: PrunedMirrors = { removed: 0, refs: 0, skipped: 0 };
  let names: string[];
  try {
    names = await readdir(options.root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return totals;
    throw error;
  }
  for (const name of names) {
    if (options.signal?.aborted) break;
    if (!/^\d+$/.test(name)) continue;
    const mirror = join(options.root, name);
    const entry = await lstat(mirror).catch(() => null);
    if (!entry?.isDirectory()) continue;
    const outcome = await lockMirror(mirror, () => pruneOne(mirror, options.before), { wait: false });
    if (outcome === undefined) totals.skipped++;
    else if (outcome === "removed") totals.removed++;
    else totals.refs += outcome;
    await nextTurn();
  }
  return totals;
}

/** Under the lock: "removed", or how many refs went. */
async function pruneOne(mirror: string, before: number): Promise<"removed" | number> {
  const stamps = mirrorStamps(mirror);
  const used = await mtime(stamps.mirror);
  if (used !== null && used < before) {
    await rm(mirror, { recursive: true, force: true, maxRetries: 3 });
    return "removed";
  }
  // from before stamps, or half made: its clock starts now (one git cannot read is removed once it has run out)
  if (used === null) await markMirrorUsed(mirror, null);
  const git = (args: string[]) => execa("git", ["-C", mirror, ...args], { reject: false, timeout: GIT_TIMEOUT_MS, stdin: "ignore", env: { GIT_TERMINAL_PROMPT: "0" } });
  const listed = await git(["for-each-ref", "--format=%(refname)", "refs/gantry/"]);
  // not a repository git can read: the next checkout rebuilds it; nothing to prune here
  if (listed.exitCode !== 0) return 0;
  const shas = new Set(String(listed.stdout).split("\n").map((ref) => ref.slice("refs/gantry/".length)).filter((sha) => SHA.test(sha)));
  let deleted = 0;
  for (const sha of shas) {
    const refUsed = await mtime(stamps.ref(sha));
    if (refUsed === null) {
      await markMirrorUsed(mirror, sha);
      continue;
    }
    if (refUsed >= before) continue;
    if ((await git(["update-ref", "-d", `refs/gantry/${sha}`])).exitCode !== 0) continue;
    await unlink(stamps.ref(sha)).catch(() => {});
    deleted++;
  }
  // stamps of refs gone otherwise (a rebuilt mirror starts without them)
  for (const name of await readdir(stamps.dir).catch(() => [] as string[])) {
    if (SHA.test(name) && !shas.has(name)) await unlink(stamps.ref(name)).catch(() => {});
  }
  if (deleted > 0) {
    const gc = await git(["gc", "--prune=now", "--quiet"]);
    if (gc.exitCode !== 0) throw new Error(`git gc in ${mirror} failed: ${String(gc.stderr).slice(0, 200)}`);
  }
  return deleted;
}

async function mtime(path: string): Promise<number | null> {
  return stat(path).then((s) => s.mtimeMs, () => null);
}
