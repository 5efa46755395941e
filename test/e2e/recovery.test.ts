import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, waitForLog, type Stack } from "./stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe("nothing is lost when the app dies", () => {
  it("dispatches a delivery acknowledged before a kill -9 when the app starts again", async () => {
    const repo = await stack.repo("recorded", { ".github/gantry.yml": "pipelines:\n  build:\n    steps:\n      - run: echo survived\n" });
    // GitHub is down, so the delivery stays recorded but undispatched
    stack.fake.failNext("GET", /\/repos\/octo\/recorded\/contents\//, 503, 1000);
    const { sha, delivery } = await stack.push(repo, {});
    expect(delivery.status).toBe(202);
    await waitForLog(stack.app, new RegExp(`"delivery":"${delivery.deliveryId}".*dispatch failed, retrying`));
    // what a crash mid-run leaves: a workspace and its summaries, of a run the store does not have running
    const workspaces = join(stack.app.dataDir, "workspaces");
    const leftover = randomUUID();
    mkdirSync(join(workspaces, leftover, "src"), { recursive: true });
    mkdirSync(join(workspaces, `${leftover}.summaries`));
    writeFileSync(join(workspaces, "operator-notes.txt"), "not gantry's");
    await stack.restart("SIGKILL");
    expect(existsSync(join(workspaces, leftover))).toBe(false);
    expect(existsSync(join(workspaces, `${leftover}.summaries`))).toBe(false);
    expect(existsSync(join(workspaces, "operator-notes.txt"))).toBe(true);
    stack.fake.clearFailures();
    const run = await stack.completed(repo, sha, "build");
    expect(run.conclusion).toBe("success");
    expect(run.output.text).toContain("survived");
    expect(stack.fake.checkRunsFor("octo", "recorded")).toHaveLength(1);
  });

  it("runs again a pipeline whose process was killed mid-step, and completes its check run", async () => {
    const repo = await stack.repo("interrupted", {
      ".github/gantry.yml": "pipelines:\n  build:\n    steps:\n      - run: echo started-$GANTRY_RUN_ID; sleep 2; echo finished\n",
    });
    const { sha } = await stack.push(repo, {});
    await stack.fake.waitFor(() => stack.fake.checkRunsFor("octo", "interrupted").find((c) => c.status === "in_progress"));
    await stack.restart("SIGKILL");
    const run = await stack.completed(repo, sha, "build").catch((e) => { throw new Error(e.message + stack.app.output().slice(-5000)); });
    expect(run.conclusion).toBe("success");
    expect(run.output.text).toContain("finished");
    expect(stack.fake.checkRunsFor("octo", "interrupted")).toHaveLength(1);
  });
});
