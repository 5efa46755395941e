import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.js";
import { isRunning } from "../helpers/is-running.js";
import { startStack, type Stack } from "./stack.js";

let stack: Stack;
let scratch: string;
beforeAll(async () => {
  stack = await startStack({ GANTRY_SHUTDOWN_GRACE_SECONDS: "3" });
  scratch = await mkdtemp(join(tmpdir(), "gantry-e2e-stop-"));
});
afterAll(async () => {
  await stack?.stop();
  await rm(scratch, { recursive: true, force: true });
});

const inProgress = (repo: string) => stack.fake.waitFor(() => stack.fake.checkRunsFor("octo", repo).find((c) => c.status === "in_progress"));

describe("stopping and dying", () => {
  it("on SIGTERM lets a running step finish within the grace period and reports it before exiting", async () => {
    const repo = await stack.repo("graceful", { ".github/gantry.yml": "pipelines:\n  build:\n    steps:\n      - run: sleep 1.5; echo finished-in-grace\n" });
    const { sha } = await stack.push(repo, {});
    await inProgress("graceful");
    await stack.restart("SIGTERM");
    expect(stack.fake.checkRunsFor("octo", "graceful").find((c) => c.head_sha === sha)).toMatchObject({ status: "completed", conclusion: "success" });
  });

  it("on SIGTERM interrupts what outlives the grace period, kills it, and runs it again after the restart", async () => {
    const mark = join(scratch, "mark");
    const pidFile = join(scratch, "pid");
    const repo = await stack.repo("interrupted-by-stop", {
      ".github/gantry.yml": [
        "pipelines:",
        "  build:",
        `    env: { MARK: "${mark}", PID_FILE: "${pidFile}" }`,
        "    steps:",
        '      - run: if [ ! -f "$MARK" ]; then touch "$MARK"; sleep 120 & echo $! > "$PID_FILE"; wait; fi; echo second-time',
        "",
      ].join("\n"),
    });
    const { sha } = await stack.push(repo, {});
    await inProgress("interrupted-by-stop");
    await eventually("the step's pid file", () => readFile(pidFile, "utf8"));
    await stack.restart("SIGTERM");
    expect(isRunning(Number(await readFile(pidFile, "utf8")))).toBe(false);
    const run = await stack.completed(repo, sha, "build");
    expect(run.conclusion).toBe("success");
    expect(run.output.text).toContain("second-time");
    expect(stack.fake.checkRunsFor("octo", "interrupted-by-stop")).toHaveLength(1);
  });

  it("fails a run whose worker died twice, with the reason, instead of retrying it forever", async () => {
    const starts = join(scratch, "starts");
    const repo = await stack.repo("doomed", { ".github/gantry.yml": `pipelines:\n  build:\n    steps:\n      - run: echo $$ >> ${starts}; sleep 120\n` });
    const { sha } = await stack.push(repo, {});
    const started = (n: number) => eventually(`start ${n}`, () => readFile(starts, "utf8").then((t) => t.split("\n").filter(Boolean).length >= n));
    await started(1);
    await stack.restart("SIGKILL");
    await started(2);
    await stack.restart("SIGKILL");
    const run = await stack.completed(repo, sha, "build");
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toContain("gantry stopped 2 times while running this pipeline");
    // what the dead workers left running was killed by their successors
    for (const pid of (await readFile(starts, "utf8")).split("\n").filter(Boolean).map(Number)) expect(isRunning(pid)).toBe(false);
  });
});
