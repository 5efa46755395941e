import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.js";
import { processesWithEnv } from "../helpers/processes-with-env.js";
import { runLogMatching, runLogsMatching, startStack, type Stack } from "./stack.js";

let stack: Stack;
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "gantry-e2e-stop-"));
  stack = await startStack({ GANTRY_SHUTDOWN_GRACE_SECONDS: "3", GANTRY_SANDBOX_BIND: scratch });
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
    // the step sees the scratch dir read-only (GANTRY_SANDBOX_BIND): the test leaves the mark for the second attempt
    const mark = join(scratch, "mark");
    const repo = await stack.repo("interrupted-by-stop", {
      ".github/gantry.yml": [
        "pipelines:",
        "  build:",
        `    env: { MARK: "${mark}" }`,
        "    steps:",
        '      - run: if [ ! -f "$MARK" ]; then echo "first RUNID $GANTRY_RUN_ID"; sleep 120 & wait; fi; echo second-time',
        "",
      ].join("\n"),
    });
    const { sha } = await stack.push(repo, {});
    await inProgress("interrupted-by-stop");
    const log = await eventually("the step's first attempt", () => runLogMatching(stack.app.dataDir, /^first RUNID /m));
    const runId = /^first RUNID (\S+)$/m.exec(log)![1]!;
    await writeFile(mark, "");
    await stack.restart("SIGTERM");
    expect(processesWithEnv(`GANTRY_RUN_ID=${runId}`)).toEqual([]);
    const run = await stack.completed(repo, sha, "build");
    expect(run.conclusion).toBe("success");
    expect(run.output.text).toContain("second-time");
    expect(stack.fake.checkRunsFor("octo", "interrupted-by-stop")).toHaveLength(1);
  });

  it("fails a run whose worker died twice, with the reason, instead of retrying it forever", async () => {
    const repo = await stack.repo("doomed", { ".github/gantry.yml": `pipelines:\n  build:\n    steps:\n      - run: echo "doomed RUNID $GANTRY_RUN_ID"; sleep 120\n` });
    const { sha } = await stack.push(repo, {});
    // each attempt writes a log of its own, and the one before it stays
    const started = (n: number) =>
      eventually(`start ${n}`, async () => {
        const logs = await runLogsMatching(stack.app.dataDir, /^doomed RUNID /m);
        return logs.length >= n ? logs[0]! : null;
      });
    const runId = /^doomed RUNID (\S+)$/m.exec(await started(1))![1]!;
    await stack.restart("SIGKILL");
    await started(2);
    await stack.restart("SIGKILL");
    const run = await stack.completed(repo, sha, "build");
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toContain("gantry stopped 2 times while running this pipeline");
    // what the dead workers left running was killed by their successors (or went with them: bwrap dies with its parent)
    await eventually("no process of the run left", async () => processesWithEnv(`GANTRY_RUN_ID=${runId}`).length === 0, 5_000);
  });
});
