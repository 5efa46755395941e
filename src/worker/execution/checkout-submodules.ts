import { writeSync } from "node:fs";
import { lstat, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { MAX_SUBMODULE_LEVELS, MAX_SUBMODULES } from "../../config/schema.js";
import { checkSubmodule, type Submodule } from "./check-submodule.js";
import type { StepOutcome } from "./run-step.js";

/** gantry's git, its output into the run log; `withToken`: with the installation token in its environment. */
export type Git = (args: string[], cwd: string, withToken?: boolean) => Promise<StepOutcome>;
/** gantry's git, its output read (never the token): null when git fails. */
export type GitRead = (args: string[], cwd: string) => Promise<string | null>;

export interface SubmoduleOptions {
  /** The checkout of `sha`, fetched from `cloneUrl`. */
  dir: string;
  sha: string;
  cloneUrl: string;
  git: Git;
  read: GitRead;
  logFd: number;
  /** Told of each submodule once checked out: its folder and the URL it was fetched from (for its LFS files). */
  checkedOut?: (submodule: { dir: string; url: string }) => void;
}

/** What a gitlink is in `git ls-tree`. */
const GITLINK_MODE = "160000";

/**
 * Checks out the submodules of the commit in `dir`, and theirs, each at its gitlink's commit, one commit deep. What is
 * fetched from where comes from the commit's own `.gitmodules` and tree (read from git's objects, never from files a
 * step could have changed), and each submodule passes checkSubmodule first: only the repository's own host gets the
 * token. Each submodule is a repository of its own in its folder (`<path>/.git`), with no mirror.
 */
export async function checkoutSubmodules(options: SubmoduleOptions): Promise<StepOutcome> {
  const started = Date.now();
  const top = parseUrl(options.cloneUrl);
  let count = 0;
  const refuse = (what: string, reason: string): StepOutcome => {
    writeSync(options.logFd, `gantry: ${what} refused: ${reason}\n`);
    return { exitCode: 1, signal: null, timedOut: false, isCanceled: false, durationMs: Date.now() - started, startError: null };
  };

  const level = async (dir: string, sha: string, url: string, depth: number): Promise<StepOutcome | null> => {
    const tree = await readTree(dir, sha, options.read);
    if (tree === null) return refuse(`the submodules of ${sha}`, "git could not list the commit's files");
    if (tree.gitlinks.size === 0) return null;
    const modules = tree.gitmodules ? await readGitmodules(dir, sha, options.read) : [];
    if (modules === null) return refuse(`the submodules of ${sha}`, "git could not read its .gitmodules");
    // every submodule the file names, also one without a gitlink: a file that lists a bad one is refused as a whole
    const byPath = new Map<string, { module: Submodule; url: URL }>();
    for (const module of modules) {
      const check = checkSubmodule(module, url);
      if (!check.ok) return refuse(`submodule ${quote(module.name)}`, check.reason);
      byPath.set(module.path, { module, url: check.url });
    }
    // before fetching any: a commit naming more than the cap is refused at once, not after a hundred fetches
    if (count + tree.gitlinks.size > MAX_SUBMODULES) {
      return refuse(`the submodules of ${sha}`, `the checkout has more than ${MAX_SUBMODULES} submodules (this commit names ${tree.gitlinks.size})`);
    }
    for (const [path, commit] of tree.gitlinks) {
      const found = byPath.get(path);
      if (!found) return refuse(`the gitlink ${quote(path)}`, "no submodule in the commit's .gitmodules has this path");
      const { module } = found;
      if (depth > MAX_SUBMODULE_LEVELS) return refuse(`submodule ${quote(module.name)}`, `it is more than ${MAX_SUBMODULE_LEVELS} levels of submodules deep`);
      if (++count > MAX_SUBMODULES) return refuse(`submodule ${quote(module.name)}`, `the checkout has more than ${MAX_SUBMODULES} submodules`);
      const target = join(dir, ...path.split("/"));
      if (!(await insideRepository(dir, path))) return refuse(`submodule ${quote(module.name)}`, "its path leads through a symbolic link");
      await mkdir(target, { recursive: true });
      writeSync(options.logFd, `gantry: submodule ${quote(module.name)} at ${quote(path)}: ${commit} from ${found.url.href}\n`);
      const outcome = await one(target, commit, found.url);
      if (outcome.exitCode !== 0) return outcome;
      options.checkedOut?.({ dir: target, url: found.url.href });
      const nested = await level(target, commit, found.url.href, depth + 1);
      if (nested) return nested;
    }
    return null;
  };

  const one = async (target: string, commit: string, url: URL): Promise<StepOutcome> => {
    const init = await options.git(["init", "--quiet", "--template="], target);
    if (init.exitCode !== 0) return init;
    // the check allows the repository's own scheme and host only; asked again here, as the token depends on it
    const ownHost = top !== null && url.protocol === top.protocol && url.host === top.host;
    const scheme = url.protocol.slice(0, -1);
    const only = ["-c", "protocol.allow=never", "-c", `protocol.${scheme}.allow=always`, "-c", "http.followRedirects=false"];
    const fetch = await options.git([...only, "fetch", "--quiet", "--no-tags", "--depth=1", url.href, commit], target, ownHost);
    if (fetch.exitCode !== 0) return fetch;
    return options.git(["checkout", "--quiet", "--detach", "FETCH_HEAD"], target);
  };

  return (await level(options.dir, options.sha, options.cloneUrl, 1)) ?? { exitCode: 0, signal: null, timedOut: false, isCanceled: false, durationMs: Date.now() - started, startError: null };
}

interface Tree {
  /** path → the commit it names */
  gitlinks: Map<string, string>;
  /** whether the commit has a `.gitmodules` file at its root */
  gitmodules: boolean;
}

async function readTree(dir: string, sha: string, read: GitRead): Promise<Tree | null> {
  const out = await read(["ls-tree", "-r", "-z", "--full-tree", sha], dir);
  if (out === null) return null;
  const tree: Tree = { gitlinks: new Map(), gitmodules: false };
  for (const entry of out.split("\0")) {
    const tab = entry.indexOf("\t");
    if (tab === -1) continue;
    const [mode, , object] = entry.slice(0, tab).split(" ");
    const path = entry.slice(tab + 1);
    if (mode === GITLINK_MODE && object) tree.gitlinks.set(path, object);
    // a symbolic link is no .gitmodules (git refuses one too)
    if (path === ".gitmodules" && (mode === "100644" || mode === "100755")) tree.gitmodules = true;
  }
  return tree;
}

/** The submodules `.gitmodules` of commit `sha` names with a path. */
async function readGitmodules(dir: string, sha: string, read: GitRead): Promise<Submodule[] | null> {
  const out = await read(["config", "--no-includes", "--blob", `${sha}:.gitmodules`, "--list", "-z"], dir);
  if (out === null) return null;
  const found = new Map<string, Partial<Submodule>>();
  for (const entry of out.split("\0")) {
    const newline = entry.indexOf("\n");
    const key = newline === -1 ? entry : entry.slice(0, newline);
    const value = newline === -1 ? "" : entry.slice(newline + 1);
    const last = key.lastIndexOf(".");
    if (!key.startsWith("submodule.") || last <= "submodule.".length) continue;
    const name = key.slice("submodule.".length, last);
    const variable = key.slice(last + 1);
    if (variable !== "path" && variable !== "url") continue;
    found.set(name, { ...found.get(name), name, [variable]: value });
  }
  // without a path git skips the entry too; without a URL it is checked (and refused) as an empty one
  return [...found.values()].filter((module) => module.path !== undefined).map((module) => ({ url: "", ...module }) as Submodule);
}

/** Whether each folder on the way to `path` below `dir` is a real folder (or not there yet), not a symbolic link. */
async function insideRepository(dir: string, path: string): Promise<boolean> {
  let current = dir;
  for (const segment of path.split("/")) {
    current = join(current, segment);
    const stats = await lstat(current).catch(() => null);
    if (stats === null) return true;
    if (!stats.isDirectory()) return false;
  }
  return true;
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

function quote(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}
