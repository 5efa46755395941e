import { existsSync, writeSync } from "node:fs";
import { copyFile, mkdir, open, rm, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { checkoutSubmodules, type Git, type GitRead } from "./checkout-submodules.js";
import { pullLfsObjects } from "./pull-lfs-objects.js";
import { runProcess, type StepOutcome } from "./run-step.js";
import { lockMirror } from "./mirror/lock-mirror.js";
import { markMirrorUsed } from "./mirror/mark-mirror-used.js";
import { mirrorStamps } from "./mirror/mirror-stamps.js";
import { HOME_SUFFIX } from "./run-home.js";

export interface CheckoutOptions {
  /** Parent of all workspaces; each run gets `root/<runId>`, never a path built from a branch name. */
  root: string;
  runId: string;
  /** e.g. https://github.com/octo/app.git */
  cloneUrl: string;
  sha: string;
  /** Installation token for `cloneUrl` (it may still be on its way: `git init` does not need it); absent for a local path. */
  token?: string | Promise<string>;
  /**
   * Where the bare mirrors live (`mirrors/<repositoryId>`), with the repository's id (from GitHub, never its
   * name); without both, the commit is fetched into the workspace alone, as before mirrors.
   */
  mirrors?: { root: string; repositoryId: number };
  /** Commits of history to fetch (`git fetch --depth`); 1 (the commit only) unless the pipeline says. */
  depth?: number;
  /** Also check out the commit's submodules (checkoutSubmodules); not unless the pipeline says. */
  submodules?: boolean;
  /** Also replace the LFS pointer files with their objects (pullLfsObjects), after the submodules; not unless the pipeline says. */
  lfs?: boolean;
  logFd: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface Checkout {
  dir: string;
  outcome: StepOutcome;
  /** The mirror the workspace borrows objects from (its `.git/objects/info/alternates`): steps must see it read-only. */
  mirror?: string;
}

/**
 * Makes `root/<runId>` a checkout of the pushed commit. With a mirror: what the mirror lacks is fetched into it
 * (under its lock), and the workspace borrows the mirror's objects (alternates, like `git clone --shared`; never
 * hard links, which a step could rewrite under later runs). A mirror that does not give a checkout is rebuilt
 * once, and when that fails too the commit is fetched into the workspace alone. The token travels in each git
 * process's environment as an extra header for the clone URL's origin only: not in any config, not in argv (visible
 * in `ps`), not in a step's env.
 */
export async function checkout(options: CheckoutOptions): Promise<Checkout> {
  const dir = join(options.root, options.runId);
  // one limit for the whole checkout, however many git processes it takes (submodules can take hundreds)
  const deadline = Date.now() + options.timeoutMs;
  const git = gitRunner(options, dir, deadline);
  // after either way of checking out the commit: its submodules and LFS files come from the commit itself
  const finish = async (outcome: StepOutcome): Promise<StepOutcome> => {
    if (outcome.exitCode !== 0 || (!options.submodules && !options.lfs)) return outcome;
    let done = outcome;
    // the superproject's LFS files first, then each submodule's, from its own repository's endpoint
    const repositories = [{ dir, url: options.cloneUrl }];
    if (options.submodules) {
      const read = gitReader(options, dir, deadline);
      done = await checkoutSubmodules({ dir, sha: options.sha, cloneUrl: options.cloneUrl, git, read, logFd: options.logFd, checkedOut: (one) => repositories.push(one) });
    }
    for (const repository of options.lfs ? repositories : []) {
      if (done.exitCode !== 0) break;
      done = await pullLfsObjects({ dir: repository.dir, cloneUrl: repository.url, git, logFd: options.logFd });
    }
    // a read git stopped by the cancel or the limit is no refusal
    if (done.exitCode === 0) return done;
    if (options.signal?.aborted) return { ...done, exitCode: null, isCanceled: true };
    return Date.now() >= deadline ? { ...done, exitCode: null, timedOut: true } : done;
  };
  try {
    if (options.mirrors && Number.isSafeInteger(options.mirrors.repositoryId)) {
      const mirror = join(options.mirrors.root, String(options.mirrors.repositoryId));
      for (const attempt of [1, 2]) {
        let outcome: (StepOutcome & { mirrorSound?: true }) | null = null;
        try {
          await freshDir(dir);
          outcome = await lockMirror(mirror, () => fromMirror(options, mirror, dir, git, attempt === 2), options.signal ? { signal: options.signal } : {});
        } catch (error) {
          // a token that never came fails the run as it is; anything else about the mirror (its disk) is one more try
          await options.token;
          // cancelled while waiting for the lock: as a cancelled git process would have said
          if (options.signal?.aborted) return { dir, outcome: { exitCode: null, signal: null, timedOut: false, isCanceled: true, durationMs: 0, startError: null } };
          say(options.logFd, `gantry: the repository's mirror failed: ${String(error).slice(0, 200)}\n`);
        }
        if (outcome && (outcome.exitCode === 0 || outcome.isCanceled || outcome.timedOut)) {
          const { mirrorSound: _, ...step } = outcome;
          return { dir, outcome: await finish(step), mirror };
        }
        if (outcome?.mirrorSound) {
          say(options.logFd, "gantry: the commit could not be fetched into the repository's mirror; fetching it alone\n");
          break;
        }
        say(options.logFd, attempt === 1 ? "gantry: the repository's mirror did not give the commit; rebuilding it\n" : "gantry: the rebuilt mirror did not give the commit either; fetching the commit alone\n");
      }
    }
    await freshDir(dir);
    return { dir, outcome: await finish(await alone(options, dir, git)) };
  } catch (error) {
    await removeWorkspace(dir);
    throw error;
  }
}

/** What prefetchIntoMirror needs: the mirror, where to fetch from, with what, and for how long at most. */
export interface PrefetchOptions {
  mirrors: { root: string; repositoryId: number };
  cloneUrl: string;
  sha: string;
  token: Promise<string>;
  timeoutMs: number;
}

/**
 * Fetches a pushed commit into its repository's mirror ahead of its runs, while the push is still being planned
 * (its config read from GitHub), under the same lock as a checkout: a checkout that comes meanwhile waits, then
 * finds the commit there. The commit only (`--depth=1`): a pipeline asking for more history fetches it itself.
 * True when the mirror has the commit; false otherwise (anything that went wrong is the checkout's to meet again).
 */
export async function prefetchIntoMirror(options: PrefetchOptions): Promise<boolean> {
  if (!Number.isSafeInteger(options.mirrors.repositoryId) || options.mirrors.repositoryId <= 0) return false;
  const mirror = join(options.mirrors.root, String(options.mirrors.repositoryId));
  const cwd = options.mirrors.root;
  let devNull: FileHandle | undefined;
  // never rejects: nobody awaits a prefetch, and whatever failed is the checkout's to meet again
  try {
    await mkdir(cwd, { recursive: true });
    // git's own complaints have no run log to go to yet
    devNull = await open("/dev/null", "w");
    const run = { cloneUrl: options.cloneUrl, sha: options.sha, token: options.token, logFd: devNull.fd };
    const git = gitRunner(run, cwd, Date.now() + options.timeoutMs);
    const failed = await lockMirror(mirror, () => intoMirror(run, mirror, cwd, git, false));
    return failed === null;
  } catch {
    return false;
  } finally {
    await devNull?.close();
  }
}

/** Today's way, and the fallback: `git init`, fetch the commit, check it out. */
async function alone(options: CheckoutOptions, dir: string, git: Git): Promise<StepOutcome> {
  const init = await git(["init", "--quiet"], dir);
  if (init.exitCode !== 0) return init;
  const fetch = await git(["fetch", "--quiet", "--no-tags", `--depth=${options.depth ?? 1}`, options.cloneUrl, options.sha], dir, true);
  if (fetch.exitCode !== 0) return fetch;
  return git(["checkout", "--quiet", "--detach", "FETCH_HEAD"], dir);
}

/** What a push names (its `after`): anything else goes through git, which resolves or refuses it. */
export const FULL_SHA = /^[0-9a-f]{40}$/;

/** Under the mirror's lock: fetch into it what it lacks, then a workspace borrowing its objects. */
async function fromMirror(options: CheckoutOptions, mirror: string, dir: string, git: Git, rebuild: boolean): Promise<StepOutcome & { mirrorSound?: true }> {
  // the workspace's repository needs nothing from the mirror: it is written beside the mirror's commands, not after
  // them; and the lock is held until those are done, even when the writing fails first
  const written = writeRepository(dir, mirror);
  written.catch(() => {});
  const fetched = await intoMirror(options, mirror, dir, git, rebuild);
  await written;
  if (fetched) return fetched;
  // a shallow mirror's boundary: without it `git log` in the workspace walks into parents that were never fetched
  await copyFile(join(mirror, "shallow"), join(dir, ".git", "shallow")).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT") throw error;
  });
  // a detached HEAD is this file's content (what `update-ref --no-deref` writes, one process less); not `git
  // checkout`: from an unborn branch it exits 0 even when the tree cannot be read (a mirror missing objects)
  if (FULL_SHA.test(options.sha)) await writeFile(join(dir, ".git", "HEAD"), `${options.sha}\n`);
  else {
    const head = await git(["update-ref", "--no-deref", "HEAD", options.sha], dir);
    if (head.exitCode !== 0) return head;
  }
  return git(["reset", "--quiet", "--hard"], dir);
}

/** What `git init --template=` makes of a new repository, on Linux (a file mode that works, case-sensitive names). */
const WORKSPACE_CONFIG = "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n";

/**
 * The workspace's `.git` written as `git init --template=` would (one process less before the fetch), borrowing the
 * mirror's objects (alternates, like `git clone --shared`); HEAD on an unborn branch until the commit is set.
 */
async function writeRepository(dir: string, mirror: string): Promise<void> {
  const gitDir = join(dir, ".git");
  await Promise.all(["objects/info", "objects/pack", "refs/heads", "refs/tags"].map((sub) => mkdir(join(gitDir, sub), { recursive: true })));
  await Promise.all([
    writeFile(join(gitDir, "HEAD"), "ref: refs/heads/main\n"),
    writeFile(join(gitDir, "config"), WORKSPACE_CONFIG),
    writeFile(join(gitDir, "objects", "info", "alternates"), `${join(mirror, "objects")}\n`),
  ]);
}

/** The commit into the mirror, unless it is there: null when the mirror has it, else the failed command's outcome. */
async function intoMirror(options: Pick<CheckoutOptions, "cloneUrl" | "sha" | "depth">, mirror: string, dir: string, git: Git, rebuild: boolean): Promise<(StepOutcome & { mirrorSound?: true }) | null> {
  if (rebuild) await rm(mirror, { recursive: true, force: true, maxRetries: 3 });
  let outcome: StepOutcome;
  if (!existsSync(join(mirror, "config"))) {
    outcome = await git(["init", "--quiet", "--bare", mirror], dir);
    if (outcome.exitCode !== 0) return outcome;
    // an automatic gc (also as maintenance after a fetch) would repack behind running workspaces' backs and may drop
    // what they borrow: only the retention sweep packs a mirror, under its lock, keeping every recently used ref
    for (const [key, value] of [["gc.auto", "0"], ["maintenance.auto", "false"]] as const) {
      outcome = await git(["-C", mirror, "config", key, value], dir);
      if (outcome.exitCode !== 0) return outcome;
    }
  }
  // a new commit (no ref, no stamp of an earlier checkout) is fetched without asking git first; a commit seen
  // before (its loose ref, or its stamp when a sweep's gc packed the ref) is checked in the mirror, which also finds
  // a mirror git cannot open. Not for more history than the commit: the commit may be there (a prefetch, another
  // pipeline of the push) with less of its history than this pipeline asks for, which the fetch then deepens
  const ref = join(mirror, "refs", "gantry", options.sha);
  const seen = !FULL_SHA.test(options.sha) || existsSync(ref) || existsSync(mirrorStamps(mirror).ref(options.sha));
  if (seen && (options.depth ?? 1) === 1) {
    const has = await git(["-C", mirror, "cat-file", "-e", `${options.sha}^{commit}`], dir);
    if (has.exitCode === 0) {
      // the commit's own ref, also when it came with another's history: pruning another ref never takes it from this run
      if (!existsSync(ref)) {
        outcome = await git(["-C", mirror, "update-ref", `refs/gantry/${options.sha}`, options.sha], dir);
        if (outcome.exitCode !== 0) return outcome;
      }
      return used(mirror, options.sha);
    }
  }
  // into a ref of its own: nothing reachable from a ref is ever pruned, and the ref is written atomically
  const refspec = `${options.sha}:refs/gantry/${options.sha}`;
  outcome = await git(["-C", mirror, "fetch", "--quiet", "--no-tags", `--depth=${options.depth ?? 1}`, options.cloneUrl, refspec], dir, true);
  if (outcome.exitCode === 0) return used(mirror, options.sha);
  // the network or the remote (a commit gone), or the mirror? A sound mirror is kept, not fetched again whole
  const sound = await git(["-C", mirror, "fsck", "--connectivity-only", "--no-dangling", "--no-progress"], dir);
  return sound.exitCode === 0 ? { ...outcome, mirrorSound: true } : outcome;
}

/** The retention sweep keeps what a checkout used recently (pruneMirrors reads the stamps). */
async function used(mirror: string, sha: string): Promise<null> {
  await markMirrorUsed(mirror, FULL_SHA.test(sha) ? sha : null);
  return null;
}

function gitEnv(dir: string): Record<string, string> {
  // no LFS filter (a worker's global `git lfs install`) downloads anything during a checkout: only pullLfsObjects does
  return { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: process.env["HOME"] ?? dir, GIT_TERMINAL_PROMPT: "0", GIT_LFS_SKIP_SMUDGE: "1" };
}

/** For what gantry reads from the commit's objects: never with the token, never to the network. */
function gitReader(options: CheckoutOptions, dir: string, deadline: number): GitRead {
  return async (args, cwd) => {
    const result = await execa("git", args, {
      cwd,
      env: gitEnv(dir),
      extendEnv: false,
      stdin: "ignore",
      stderr: options.logFd as 3,
      reject: false,
      timeout: left(deadline),
      maxBuffer: 256 * 1024 * 1024,
      ...(options.signal ? { cancelSignal: options.signal } : {}),
    });
    return result.exitCode === 0 ? result.stdout : null;
  };
}

/**
 * The token's header is for the clone URL's scheme, host and port only (`http.<origin>/.extraHeader`, matched by git
 * and git-lfs for each request): a redirect, a submodule or an LFS download elsewhere goes without it. A clone URL
 * with no origin (a local path, `gantry run`) gets no header, but the token is still awaited: a token that never
 * comes must fail the checkout the same way whatever the URL.
 */
function gitRunner(options: Pick<CheckoutOptions, "cloneUrl" | "token" | "logFd" | "signal">, dir: string, deadline: number): Git {
  const env = gitEnv(dir);
  let auth: Record<string, string> | undefined;
  return async (args, cwd, withToken = false) => {
    if (withToken && options.token !== undefined && auth === undefined) auth = authEnv(await options.token, options.cloneUrl);
    return runProcess({
      file: "git",
      args,
      cwd,
      env: withToken && auth ? { ...env, ...auth } : env,
      logFd: options.logFd,
      timeoutMs: left(deadline),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  };
}

function authEnv(token: string, cloneUrl: string): Record<string, string> {
  const origin = URL.canParse(cloneUrl) ? new URL(cloneUrl).origin : "null";
  // "null": no scheme, host and port to scope the header to (a path, or a scheme URL has no origin for)
  if (origin === "null") return {};
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  return { GIT_CONFIG_COUNT: "1", GIT_CONFIG_KEY_0: `http.${origin}/.extraHeader`, GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` };
}

/** At least a millisecond: git then times out at once instead of running without a limit. */
function left(deadline: number): number {
  return Math.max(1, deadline - Date.now());
}

async function freshDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  await mkdir(dir, { recursive: true });
}

function say(fd: number, line: string): void {
  writeSync(fd, line);
}

/** The workspace and the run's home beside it (`<dir>.home`, where its steps' `~/…` went): one removal for both. */
export async function removeWorkspace(dir: string): Promise<void> {
  await Promise.all([dir, `${dir}${HOME_SUFFIX}`].map((path) => rm(path, { recursive: true, force: true, maxRetries: 3 })));
}
