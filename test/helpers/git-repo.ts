import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, normalize, sep } from "node:path";

/** `before`/`after` value GitHub uses for a ref that did not / no longer exists. */
export const ZERO_SHA = "0".repeat(40);

export interface GitIdentity {
  name: string;
  email: string;
}

export const DEFAULT_IDENTITY: GitIdentity = { name: "Gantry Test", email: "gantry-test@example.invalid" };

/**
 * Environment for every git command in tests. A fresh machine (CI) has no git identity, and a
 * developer's ~/.gitconfig or /etc/gitconfig (signing, hooks, credential helpers, url rewrites)
 * must not change what the tests see, so config comes only from the repo itself. GIT_* variables
 * inherited from a surrounding git process (e.g. tests run from a hook) would point git at the
 * wrong repository, so they are dropped.
 */
export function gitEnv(home: string, author: GitIdentity = DEFAULT_IDENTITY): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("GIT_")) env[key] = value;
  }
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: DEFAULT_IDENTITY.name,
    GIT_COMMITTER_EMAIL: DEFAULT_IDENTITY.email,
  };
}

export interface GitOptions {
  cwd?: string;
  env: NodeJS.ProcessEnv;
}

export class GitError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
    this.name = "GitError";
  }
}

/** Runs git without a shell and returns stdout as bytes (contents may be binary). */
export function gitBuffer(args: string[], options: GitOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      { cwd: options.cwd, env: options.env, encoding: "buffer", maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          const code = typeof error.code === "number" ? error.code : null;
          const text = stderr.toString("utf8").trim();
          reject(new GitError(`git ${args.join(" ")} failed (exit ${String(code)}): ${text}`, code, text));
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

/** Runs git without a shell and returns stdout without the trailing newline. */
export async function git(args: string[], options: GitOptions): Promise<string> {
  return (await gitBuffer(args, options)).toString("utf8").replace(/\n$/, "");
}

export type FileChanges = Record<string, string | Uint8Array | null>;

export interface RefUpdate {
  before: string;
  after: string;
}

/**
 * A bare repository (what a server would host) plus a private work tree where tests make commits.
 * Commits only reach the bare repository through `push`, like a developer pushing to GitHub.
 * Operations are serialised because they share one work tree and index.
 */
export class Repo {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    /** Absolute path of the bare repository. */
    readonly bareDir: string,
    /** Absolute path of the private work tree (non-bare clone-like repo). */
    readonly workDir: string,
    /** Temp dir holding the work tree and HOME; removed by `cleanup`. */
    private readonly scratchDir: string,
    readonly defaultBranch: string,
  ) {}

  /** Environment used for this repo's git commands (also fine for clones in tests). */
  env(author?: GitIdentity): NodeJS.ProcessEnv {
    return gitEnv(join(this.scratchDir, "home"), author);
  }

  /**
   * Writes (string/bytes) or deletes (null) files in the work tree and commits them on top of the
   * work tree's current HEAD (the previous `commit`, or `resetTo`). Returns the new commit's SHA.
   */
  commit(files: FileChanges, message: string, author?: GitIdentity): Promise<string> {
    return this.serial(async () => {
      const env = this.env(author);
      for (const [path, content] of Object.entries(files)) {
        const target = this.workPath(path);
        if (content === null) {
          await rm(target, { force: true, recursive: true });
        } else {
          await mkdir(dirname(target), { recursive: true });
          await writeFile(target, content);
        }
      }
      await git(["add", "-A"], { cwd: this.workDir, env });
      await git(["commit", "-q", "--allow-empty", "--no-verify", "--no-gpg-sign", "-m", message], {
        cwd: this.workDir,
        env,
      });
      return git(["rev-parse", "HEAD"], { cwd: this.workDir, env });
    });
  }

  /** Moves the work tree to `sha` so the next `commit` branches off there. */
  resetTo(sha: string): Promise<void> {
    return this.serial(async () => {
      await git(["reset", "-q", "--hard", assertSha(sha)], { cwd: this.workDir, env: this.env() });
    });
  }

  /** Sets `ref` in the bare repository to `sha` (force), returning the old and new values. */
  push(ref: string, sha: string): Promise<RefUpdate> {
    return this.serial(async () => {
      assertRef(ref);
      const before = (await this.resolveUnqueued(ref)) ?? ZERO_SHA;
      await git(["push", "-q", "--force", "--no-verify", this.bareDir, `${assertSha(sha)}:${ref}`], {
        cwd: this.workDir,
        env: this.env(),
      });
      return { before, after: sha };
    });
  }

  /** Deletes `ref` from the bare repository (a branch/tag deletion push). */
  deleteRef(ref: string): Promise<RefUpdate> {
    return this.serial(async () => {
      assertRef(ref);
      const before = await this.resolveUnqueued(ref);
      if (before === null) throw new Error(`deleteRef: ${ref} does not exist in ${this.bareDir}`);
      await git(["update-ref", "-d", ref], { cwd: this.bareDir, env: this.env() });
      return { before, after: ZERO_SHA };
    });
  }

  /**
   * Paths added, modified or removed between two commits, as GitHub's push payload lists them
   * (renames count as remove + add). `before` = ZERO_SHA lists every file of `after`.
   */
  changedFiles(before: string, after: string): Promise<string[]> {
    return this.serial(async () => {
      const options = { cwd: this.workDir, env: this.env() };
      const out =
        before === ZERO_SHA
          ? await git(["ls-tree", "-r", "-z", "--name-only", assertSha(after)], options)
          : await git(["diff", "--name-only", "-z", "--no-renames", assertSha(before), assertSha(after)], options);
      return out.split("\0").filter((p) => p !== "");
    });
  }

  /** SHA a ref (or any revision) of the bare repository points at, or null. */
  resolve(ref: string): Promise<string | null> {
    return this.serial(() => this.resolveUnqueued(ref));
  }

  /** Removes the work tree and temp HOME (not the bare repository). */
  async cleanup(): Promise<void> {
    await rm(this.scratchDir, { recursive: true, force: true });
  }

  private async resolveUnqueued(ref: string): Promise<string | null> {
    if (ref.startsWith("-")) return null;
    try {
      return await git(["rev-parse", "--verify", "-q", `${ref}^{commit}`], { cwd: this.bareDir, env: this.env() });
    } catch {
      return null;
    }
  }

  private workPath(path: string): string {
    const clean = normalize(path);
    if (isAbsolute(path) || clean === ".." || clean.startsWith(`..${sep}`) || clean.split(sep).includes(".git")) {
      throw new Error(`commit: refusing path outside the work tree: ${path}`);
    }
    return join(this.workDir, clean);
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

export interface InitRepoOptions {
  /** Where the bare repository is created (parents are created too). */
  bareDir: string;
  defaultBranch?: string;
  /** Extra `git config` entries for the bare repository. */
  config?: Record<string, string>;
}

/** Creates an empty bare repository and a private work tree for committing to it. */
export async function initRepo(options: InitRepoOptions): Promise<Repo> {
  const defaultBranch = options.defaultBranch ?? "main";
  const scratchDir = await mkdtemp(join(tmpdir(), "gantry-repo-"));
  const workDir = join(scratchDir, "work");
  const home = join(scratchDir, "home");
  await mkdir(home, { recursive: true });
  await mkdir(workDir, { recursive: true });
  await mkdir(options.bareDir, { recursive: true });
  const env = gitEnv(home);
  // --template= keeps sample hooks and excludes from the machine's git install out of the repos.
  await git(["init", "-q", "--bare", "--template=", "-b", defaultBranch, options.bareDir], { cwd: scratchDir, env });
  for (const [key, value] of Object.entries(options.config ?? {})) {
    await git(["config", key, value], { cwd: options.bareDir, env });
  }
  await git(["init", "-q", "--template=", "-b", defaultBranch, workDir], { cwd: scratchDir, env });
  return new Repo(options.bareDir, workDir, scratchDir, defaultBranch);
}

function assertRef(ref: string): void {
  if (!/^refs\/[^\s~^:?*[\\]+$/.test(ref) || ref.includes("..")) {
    throw new Error(`expected a full ref like refs/heads/main, got ${JSON.stringify(ref)}`);
  }
}

function assertSha(sha: string): string {
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error(`expected a 40-hex commit SHA, got ${JSON.stringify(sha)}`);
  return sha;
}
