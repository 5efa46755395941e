import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { runProcess, type StepOutcome } from "./run-step.js";

export interface CheckoutOptions {
  /** Parent of all workspaces; each run gets `root/<runId>`, never a path built from a branch name. */
  root: string;
  runId: string;
  /** e.g. https://github.com/octo/app.git */
  cloneUrl: string;
  sha: string;
  /** Installation token for `cloneUrl` (it may still be on its way: `git init` does not need it); absent for a local path. */
  token?: string | Promise<string>;
  logFd: number;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface Checkout {
  dir: string;
  outcome: StepOutcome;
}

/**
 * Fetches exactly the pushed commit into a fresh directory. The token travels in each git process's
 * environment as an extra header: not in `.git/config`, not in argv (visible in `ps`), not in a step's env.
 */
export async function checkout(options: CheckoutOptions): Promise<Checkout> {
  const dir = join(options.root, options.runId);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const env: Record<string, string> = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: process.env["HOME"] ?? dir,
    GIT_TERMINAL_PROMPT: "0",
  };

  const git = (args: string[]) =>
    runProcess({
      file: "git",
      args,
      cwd: dir,
      env,
      logFd: options.logFd,
      timeoutMs: options.timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  const commands = [
    ["init", "--quiet"],
    ["fetch", "--quiet", "--no-tags", "--depth=1", options.cloneUrl, options.sha],
    ["checkout", "--quiet", "--detach", "FETCH_HEAD"],
  ];
  let outcome: StepOutcome;
  try {
    outcome = await runGit(commands, git, env, options.token);
  } catch (error) {
    await removeWorkspace(dir);
    throw error;
  }
  return { dir, outcome };
}

/** The commands in order, stopping at the first failure; the token joins the environment for `fetch`. */
async function runGit(
  commands: string[][],
  git: (args: string[]) => Promise<StepOutcome>,
  env: Record<string, string>,
  token: string | Promise<string> | undefined,
): Promise<StepOutcome> {
  let outcome: StepOutcome | null = null;
  for (const args of commands) {
    if (args[0] === "fetch" && token !== undefined) {
      const basic = Buffer.from(`x-access-token:${await token}`).toString("base64");
      Object.assign(env, {
        GIT_CONFIG_COUNT: "1",
        GIT_CONFIG_KEY_0: "http.extraHeader",
        GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
      });
    }
    outcome = await git(args);
    if (outcome.exitCode !== 0) break;
  }
  return outcome!;
}

export async function removeWorkspace(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}
