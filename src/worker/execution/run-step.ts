import { execa } from "execa";
import { killGroup } from "./kill-group.js";
import type { Sandbox, SandboxStep } from "./sandbox/sandbox.js";
import { signalDescendants } from "./signal-descendants.js";
import type { Masker } from "./masking/create-masker.js";
import { pipeMasked } from "./masking/pipe-masked.js";

export interface StepOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  isCanceled: boolean;
  durationMs: number;
  /** Why the step could not start at all (e.g. the workspace vanished). */
  startError: string | null;
}

export interface RunProcessOptions {
  file: string;
  args: readonly string[];
  cwd: string;
  env: Record<string, string>;
  /** Output goes straight to this descriptor: no pipe through Node, no buffering, no limit (unless `masker`). */
  logFd: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** How long a step may take to exit after SIGTERM before the group is killed. */
  graceMs?: number;
  /** Told the process group id once the child runs, so a successor can clean up after a crash. */
  onSpawn?: (pid: number) => void;
  /**
   * The process is a sandbox's launcher, whose death ends everything inside at once: SIGTERM goes to what runs
   * inside it (its descendants), and the launcher itself is killed when the grace is over.
   */
  launcher?: boolean;
  /** Given when the run has secrets: output then goes through pipes and this masker on its way to `logFd`. */
  masker?: Masker;
}

export type RunStepOptions = Omit<RunProcessOptions, "file" | "args" | "cwd" | "env" | "launcher"> & SandboxStep & { sandbox: Sandbox };

/** Runs one step's `sh -e -c` in the sandbox: the command comes from the repository's config, never from push data. */
export function runStep(options: RunStepOptions): Promise<StepOutcome> {
  const { command, workspace, env, network, hide, writable, readOnly, home, sandbox, ...rest } = options;
  const wrapped = sandbox.wrap({
    command,
    workspace,
    env,
    network,
    ...(hide ? { hide } : {}),
    ...(writable ? { writable } : {}),
    ...(readOnly ? { readOnly } : {}),
    ...(home ? { home } : {}),
  });
  return runProcess({ ...rest, ...wrapped });
}

/**
 * Runs a process in its own process group; whatever it leaves running is killed when it ends. A sandbox's launcher
 * takes its whole sandbox with it (bwrap: the PID namespace ends with it), daemons that left the group included.
 */
export async function runProcess(options: RunProcessOptions): Promise<StepOutcome> {
  const started = performance.now();
  const graceMs = options.graceMs ?? 5_000;
  let timedOut = false;
  let isCanceled = false;
  // execa's types only admit literal descriptors; at run time it hands any open descriptor to the child
  const logFd = options.logFd as 3;
  const subprocess = execa(options.file, options.args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    stdin: "ignore",
    stdout: options.masker ? "pipe" : logFd,
    stderr: options.masker ? "pipe" : logFd,
    buffer: false,
    reject: false,
    detached: true,
    cleanup: true,
  });
  const pid = subprocess.pid;
  if (pid !== undefined) options.onSpawn?.(pid);
  const masked = options.masker ? pipeMasked(subprocess, logFd, options.masker) : null;
  let forceKill: NodeJS.Timeout | undefined;
  const stop = (reason: "timeout" | "cancel") => {
    if (pid === undefined || timedOut || isCanceled) return;
    if (reason === "timeout") timedOut = true;
    else isCanceled = true;
    if (options.launcher) signalDescendants(pid, "SIGTERM");
    else killGroup(pid, "SIGTERM");
    forceKill = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
  };
  const timer = setTimeout(() => stop("timeout"), options.timeoutMs);
  const onAbort = () => stop("cancel");
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const result = await subprocess;
    await masked;
    const startError = result.failed && result.exitCode === undefined && !result.signal ? (result.shortMessage ?? "unknown error") : null;
    return {
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      timedOut,
      isCanceled,
      durationMs: Math.round(performance.now() - started),
      startError,
    };
  } finally {
    clearTimeout(timer);
    clearTimeout(forceKill);
    options.signal?.removeEventListener("abort", onAbort);
    // daemons a step forked must not outlive it or leak into the next step
    if (pid !== undefined) killGroup(pid, "SIGKILL");
  }
}
