import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LogFile } from "../../../src/worker/execution/log-file.js";
import { runStep } from "../../../src/worker/execution/run-step.js";
import { isRunning } from "../../helpers/is-running.js";

let dir: string;
let log: LogFile;
const env = { PATH: process.env["PATH"] ?? "/usr/bin:/bin" };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gantry-step-"));
  log = new LogFile(join(dir, "run.log"));
});
afterEach(async () => {
  log.close();
  await rm(dir, { recursive: true, force: true });
});


describe("runStep", () => {
  it("writes stdout and stderr to the log and reports the exit code", async () => {
    const outcome = await runStep({ command: "echo out; echo err >&2; exit 3", cwd: dir, env, logFd: log.fd, timeoutMs: 10_000 });
    expect(outcome).toMatchObject({ exitCode: 3, timedOut: false, isCanceled: false, signal: null, startError: null });
    expect(await readFile(log.path, "utf8")).toBe("out\nerr\n");
  });

  it("runs with sh -e: the first failing command ends the step", async () => {
    const outcome = await runStep({ command: "false\necho not-reached", cwd: dir, env, logFd: log.fd, timeoutMs: 10_000 });
    expect(outcome.exitCode).toBe(1);
    expect(await readFile(log.path, "utf8")).toBe("");
  });

  it("sees only the environment it is given", async () => {
    await runStep({ command: "env | sort", cwd: dir, env: { ...env, ONLY: "me" }, logFd: log.fd, timeoutMs: 10_000 });
    const names = (await readFile(log.path, "utf8")).split("\n").filter(Boolean).map((l) => l.split("=")[0]);
    expect(names.filter((n) => n !== "PWD" && n !== "SHLVL" && n !== "_")).toEqual(["ONLY", "PATH"]);
  });

  it("kills the whole process group on timeout, background children included", async () => {
    const pidFile = join(dir, "pids");
    const outcome = await runStep({
      command: `sleep 300 & echo $! > ${pidFile}; sh -c 'sleep 301' & echo $! >> ${pidFile}; sleep 302`,
      cwd: dir,
      env,
      logFd: log.fd,
      timeoutMs: 500,
      graceMs: 500,
    });
    expect(outcome.timedOut).toBe(true);
    expect(outcome.exitCode).toBe(null);
    const pids = (await readFile(pidFile, "utf8")).split("\n").filter(Boolean).map(Number);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
  });

  it("escalates to SIGKILL when a step ignores SIGTERM", async () => {
    const outcome = await runStep({ command: "trap '' TERM; sleep 300", cwd: dir, env, logFd: log.fd, timeoutMs: 300, graceMs: 300 });
    expect(outcome.timedOut).toBe(true);
    expect(outcome.durationMs).toBeLessThan(5_000);
  });

  it("kills what a successful step left running", async () => {
    const pidFile = join(dir, "pid");
    const outcome = await runStep({ command: `(sleep 300 >/dev/null 2>&1 &) ; sleep 300 >/dev/null 2>&1 & echo $! > ${pidFile}`, cwd: dir, env, logFd: log.fd, timeoutMs: 10_000 });
    expect(outcome.exitCode).toBe(0);
    const pid = Number(await readFile(pidFile, "utf8"));
    await new Promise((r) => setTimeout(r, 50));
    expect(isRunning(pid)).toBe(false);
  });

  it("is cancelled by its signal", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const outcome = await runStep({ command: "sleep 300", cwd: dir, env, logFd: log.fd, timeoutMs: 60_000, signal: controller.signal });
    expect(outcome).toMatchObject({ isCanceled: true, timedOut: false });
  });

  it("reports a step that cannot start", async () => {
    const outcome = await runStep({ command: "true", cwd: join(dir, "missing"), env, logFd: log.fd, timeoutMs: 10_000 });
    expect(outcome.exitCode).not.toBe(0);
    expect(outcome.startError).toMatch(/missing|ENOENT/);
  });
});
