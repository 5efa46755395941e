import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the nearest folder above this file whose package.json is gantry's (works compiled or not). */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "gantry") return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("bench: cannot find gantry's package.json above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
})();

// GANTRY_BENCH_MAIN: another build of gantry (an older commit's dist/, say), for paired runs against this one
export const GANTRY_MAIN = process.env["GANTRY_BENCH_MAIN"] ?? join(ROOT, "dist", "main.js");
export const GANTRY_CLI = join(ROOT, "dist", "cli", "main.js");

/** A process this bench started: its output goes to a file, not through a pipe into the load generator's process. */
export interface Tracked {
  name: string;
  pid: number;
  child: ChildProcess;
  logPath: string;
  /** Epoch ms when it was spawned. */
  startedAt: number;
  exited: Promise<void>;
  running(): boolean;
  output(): string;
}

const tracked = new Set<Tracked>();

export function spawnTracked(
  name: string,
  file: string,
  args: string[],
  options: { env: Record<string, string>; cwd: string; logPath: string },
): Tracked {
  mkdirSync(dirname(options.logPath), { recursive: true });
  const fd = openSync(options.logPath, "a");
  const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`bench: could not start ${name} (${file})`);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const proc: Tracked = {
    name,
    pid: child.pid,
    startedAt: Date.now(),
    child,
    logPath: options.logPath,
    exited,
    running: () => child.exitCode === null && child.signalCode === null,
    output: () => (existsSync(options.logPath) ? readFileSync(options.logPath, "utf8") : ""),
  };
  child.once("error", () => undefined);
  tracked.add(proc);
  void exited.then(() => tracked.delete(proc));
  return proc;
}

/** Waits until the process printed a line matching `pattern`; fails at once if it exits first. */
export async function waitForOutput(proc: Tracked, pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = proc.output();
    const match = pattern.exec(text);
    if (match) return match;
    if (!proc.running()) throw new Error(`${proc.name} exited before printing ${pattern}:\n${text.slice(-3000)}`);
    if (Date.now() > end) throw new Error(`${proc.name} did not print ${pattern} within ${timeoutMs} ms:\n${text.slice(-3000)}`);
    await sleep(20);
  }
}

/**
 * Stops a process and everything it started: its descendants are listed (by pid, with their start time, so a
 * reused pid is never hit) before it is signalled, and those still alive afterwards are killed.
 */
export async function stopTracked(proc: Tracked, signal: NodeJS.Signals = "SIGTERM", timeoutMs = 10_000): Promise<void> {
  const family = descendantsOf(proc.pid);
  if (proc.running()) {
    try {
      process.kill(proc.pid, signal);
    } catch {
      // already gone
    }
    const timer = setTimeout(() => proc.running() && process.kill(proc.pid, "SIGKILL"), timeoutMs);
    await proc.exited;
    clearTimeout(timer);
  }
  for (const member of [...family, ...descendantsOf(proc.pid)]) killIfSame(member, "SIGKILL");
}

/** Stops every process still tracked (in parallel). */
export async function stopAllTracked(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  await Promise.all([...tracked].map((proc) => stopTracked(proc, signal, 5_000)));
}

/** Last resort at exit: SIGKILL every tracked process and its descendants, synchronously. */
export function killAllTrackedSync(): void {
  for (const proc of tracked) {
    const family = descendantsOf(proc.pid);
    killIfSame({ pid: proc.pid, start: startTime(proc.pid) }, "SIGKILL");
    for (const member of family) killIfSame(member, "SIGKILL");
  }
}

interface ProcId {
  pid: number;
  start: string | null;
}

function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // the command name may contain spaces and parentheses: fields start after the last ")"
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

function startTime(pid: number): string | null {
  return statFields(pid)?.[19] ?? null;
}

/** Every live descendant of `pid`, found through /proc's parent links. */
export function descendantsOf(pid: number): ProcId[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (!fields) continue;
    const parent = Number(fields[1]);
    const list = children.get(parent) ?? [];
    list.push(Number(entry));
    children.set(parent, list);
  }
  const found: ProcId[] = [];
  const queue = [...(children.get(pid) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift()!;
    found.push({ pid: next, start: startTime(next) });
    queue.push(...(children.get(next) ?? []));
  }
  return found;
}

function killIfSame(member: ProcId, signal: NodeJS.Signals): void {
  const now = startTime(member.pid);
  if (now === null || now !== member.start) return;
  try {
    process.kill(member.pid, signal);
  } catch {
    // exited meanwhile
  }
}

/** VmRSS and VmHWM (peak) of a process, in bytes; null once it is gone. */
export function memoryOf(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
  } catch {
    return null;
  }
}

/** A port free on 127.0.0.1 right now (for servers that cannot be told to take any). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The parts of the environment every started process gets; nothing of the developer's shell leaks in. */
export function baseEnv(): Record<string, string> {
  return {
    PATH: process.env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: process.env["HOME"] ?? "/tmp",
    LANG: process.env["LANG"] ?? "C.UTF-8",
  };
}

/** Runs a command to its end as a tracked process (so a failing bench still kills it); resolves with its exit code. */
export async function runTracked(
  name: string,
  file: string,
  args: string[],
  options: { env: Record<string, string>; cwd: string; logPath: string },
): Promise<number | null> {
  const proc = spawnTracked(name, file, args, options);
  await proc.exited;
  return proc.child.exitCode;
}

/** CPU time of the whole machine so far (from /proc/stat), in clock ticks: busy and total. */
export function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  // idle and iowait are not busy
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}
