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
    await stack.restart("SIGKILL");
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
