import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LogFile } from "../../../src/worker/execution/log-file.js";
import { runStep, type RunStepOptions, type StepOutcome } from "../../../src/worker/execution/run-step.js";
import { bwrapSandbox, SANDBOX_HOME } from "../../../src/worker/execution/sandbox/bwrap-sandbox.js";
import { plainSandbox } from "../../../src/worker/execution/sandbox/plain-sandbox.js";
import { eventually } from "../../helpers/eventually.js";
import { processesWithEnv } from "../../helpers/processes-with-env.js";

let dir: string;
let log: LogFile;
let mark: string;
const PATH = process.env["PATH"] ?? "/usr/bin:/bin";

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gantry-step-"));
  log = new LogFile(join(dir, "run.log"));
  mark = `MARK=${randomUUID()}`;
});
afterEach(async () => {
  log.close();
  await rm(dir, { recursive: true, force: true });
});

const sandboxes = [
  // a plain step's setsid daemon leaves its process group, beyond the runner's reach: one reason for the sandbox
  { name: "plain", sandbox: plainSandbox(), added: [] as string[], daemon: "" },
  { name: "bwrap", sandbox: bwrapSandbox({ mode: "bwrap", bind: [], hide: [] }), added: ["HOME", "TMPDIR"], daemon: "setsid sleep 303 & " },
];

describe.each(sandboxes)("runStep ($name)", ({ sandbox, added, daemon }) => {
  const step = (command: string, more: Partial<RunStepOptions> = {}): Promise<StepOutcome> =>
    runStep({ command, workspace: dir, env: { PATH, MARK: mark.slice(5) }, network: "host", sandbox, logFd: log.fd, timeoutMs: 10_000, ...more });
  /** What the step started that still runs, found by the mark in its environment (as kill-leftovers finds a run's). */
  const leftovers = () => processesWithEnv(mark);

  it("writes stdout and stderr to the log and reports the exit code", async () => {
    const outcome = await step("echo out; echo err >&2; exit 3");
    expect(outcome).toMatchObject({ exitCode: 3, timedOut: false, isCanceled: false, signal: null, startError: null });
    expect(await readFile(log.path, "utf8")).toBe("out\nerr\n");
  });

  it("runs with sh -e: the first failing command ends the step", async () => {
    const outcome = await step("false\necho not-reached");
    expect(outcome.exitCode).toBe(1);
    expect(await readFile(log.path, "utf8")).toBe("");
  });

  it("sees only the environment it is given (a sandbox adds its own HOME and TMPDIR)", async () => {
    await step("env | sort", { env: { PATH, ONLY: "me" } });
    const lines = (await readFile(log.path, "utf8")).split("\n").filter(Boolean);
    const names = lines.map((l) => l.split("=")[0]);
    expect(names.filter((n) => n !== "PWD" && n !== "SHLVL" && n !== "_")).toEqual(["ONLY", "PATH", ...added].sort());
    if (added.length > 0) expect(lines).toContain(`HOME=${SANDBOX_HOME}`);
  });

  it("kills everything the step started on timeout, background children (and in a sandbox setsid daemons) included", async () => {
    const outcome = await step(`sleep 300 & sh -c 'sleep 301' & ${daemon}sleep 302`, { timeoutMs: 500, graceMs: 500 });
    expect(outcome.timedOut).toBe(true);
    await eventually("nothing left running", async () => leftovers().length === 0, 2_000);
  });

  it("asks the step to stop with SIGTERM first, and it may clean up within the grace", async () => {
    const outcome = await step(`trap 'echo cleaning up; exit 7' TERM; sleep 300 & wait`, { timeoutMs: 500, graceMs: 5_000 });
    expect(outcome.timedOut).toBe(true);
    expect(outcome.durationMs).toBeLessThan(4_000);
    expect(await readFile(log.path, "utf8")).toBe("cleaning up\n");
  });

  it("escalates to SIGKILL when a step ignores SIGTERM", async () => {
    const outcome = await step("trap '' TERM; sleep 300", { timeoutMs: 300, graceMs: 300 });
    expect(outcome.timedOut).toBe(true);
    expect(outcome.durationMs).toBeLessThan(5_000);
    await eventually("nothing left running", async () => leftovers().length === 0, 2_000);
  });

  it("kills what a successful step left running", async () => {
    const outcome = await step(`(sleep 300 >/dev/null 2>&1 &) ; sleep 300 >/dev/null 2>&1 & echo started`);
    expect(outcome.exitCode).toBe(0);
    expect(await readFile(log.path, "utf8")).toBe("started\n");
    await eventually("nothing left running", async () => leftovers().length === 0, 2_000);
  });

  it("is cancelled by its signal", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const outcome = await step("sleep 300", { timeoutMs: 60_000, signal: controller.signal });
    expect(outcome).toMatchObject({ isCanceled: true, timedOut: false });
    await eventually("nothing left running", async () => leftovers().length === 0, 2_000);
  });

  it("reports a step that cannot start", async () => {
    const outcome = await step("true", { workspace: join(dir, "missing") });
    expect(outcome.exitCode).not.toBe(0);
    expect(outcome.startError).toMatch(/missing|ENOENT/);
  });
});
