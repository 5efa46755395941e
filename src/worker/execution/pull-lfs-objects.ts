import { writeSync } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Git } from "./checkout-submodules.js";
import type { StepOutcome } from "./run-step.js";

/** What the log says when the worker has no git-lfs: the checkout cannot give the files the pipeline asked for. */
export const LFS_MISSING = "checkout.lfs needs git-lfs on the worker (apt-get install git-lfs)";
/** Downloads at once: git-lfs's default 8 is a lot for a worker whose cores run steps too. */
const CONCURRENT_TRANSFERS = 4;
/** What `git lfs pull` writes into `.git/hooks`: a step's `git push` or `git checkout` would run git-lfs. */
const LFS_HOOKS = ["pre-push", "post-checkout", "post-commit", "post-merge"];

export interface LfsOptions {
  /** The checkout, fetched from `cloneUrl`, its LFS files still pointers. */
  dir: string;
  cloneUrl: string;
  /** gantry's git; with the token, its extra header scoped to `cloneUrl`'s origin (downloads elsewhere go without). */
  git: Git;
  logFd: number;
}

/**
 * Replaces the LFS pointer files of the checkout with their objects, fetched from the repository's LFS endpoint
 * (`<cloneUrl>/info/lfs`, `.git` added when the URL lacks it, as GitHub serves it; the workspace has no remote to
 * find it from). The pointers are read
 * from the checked-out commit, so only its objects are fetched. The workspace's config gets no filter and git-lfs's
 * hooks are removed: nothing in the workspace has a step's git run git-lfs.
 */
export async function pullLfsObjects(options: LfsOptions): Promise<StepOutcome> {
  const version = await options.git(["lfs", "version"], options.dir);
  if (version.exitCode !== 0) {
    if (version.isCanceled || version.timedOut) return version;
    writeSync(options.logFd, `gantry: ${LFS_MISSING}\n`);
    return { ...version, exitCode: 1 };
  }
  // GitHub's endpoint is the `.git` URL's; a submodule's URL may name its repository without the suffix
  const base = options.cloneUrl.replace(/\/+$/, "");
  const endpoint = `${base.endsWith(".git") ? base : `${base}.git`}/info/lfs`;
  writeSync(options.logFd, `gantry: LFS files from ${endpoint}\n`);
  const only = ["-c", `lfs.url=${endpoint}`, "-c", `lfs.concurrenttransfers=${CONCURRENT_TRANSFERS}`, "-c", "credential.helper="];
  const pulled = await options.git([...only, "lfs", "pull"], options.dir, true);
  // git-lfs installs its hooks whatever core.hooksPath says; a fresh workspace has none of its own by these names
  await Promise.all(LFS_HOOKS.map((hook) => rm(join(options.dir, ".git", "hooks", hook), { force: true })));
  if (pulled.exitCode !== 0 && !pulled.isCanceled && !pulled.timedOut) writeSync(options.logFd, "gantry: the commit's LFS files could not be downloaded\n");
  return pulled;
}
