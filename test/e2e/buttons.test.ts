import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostedRepo } from "../fake-github/fake-github.js";
import { requestedActionPayload, rerequestedRunPayload, rerequestedSuitePayload } from "../helpers/check-payloads.js";
import { startStack, waitForLog, type Stack } from "./stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const target = (repo: HostedRepo, sender: string) => ({ owner: repo.owner, repo: repo.name, repoId: repo.id, installationId: repo.installationId, sender });

describe("re-run and cancel from the Checks tab", () => {
  it("shows the buttons, and re-runs a pipeline as a new check run when a writer presses Re-run", async () => {
    const repo = await stack.repo("rerun", { ".github/gantry.yml": "pipelines:\n  build:\n    steps:\n      - run: echo run-$GANTRY_RUN_ID\n" });
    stack.fake.permissions.set("octo/rerun:maintainer", "maintain");
    const { sha } = await stack.push(repo, {});
    const first = await stack.completed(repo, sha, "build");
    expect(first.actions).toEqual([{ label: "Re-run", identifier: "rerun", description: "Run this pipeline again on this commit" }]);
    const press = await stack.deliver(JSON.stringify(requestedActionPayload({ ...target(repo, "maintainer"), externalId: first.external_id!, checkRunId: first.id, sha, identifier: "rerun" })), { event: "check_run" });
    expect(press.status).toBe(202);
    const second = await stack.fake.waitFor(() => stack.fake.checkRunsFor("octo", "rerun").find((c) => c.id !== first.id && c.status === "completed"));
    expect(second).toMatchObject({ name: "build", head_sha: sha, conclusion: "success" });
    expect(second.external_id).not.toBe(first.external_id);
    expect(second.output.text).toContain(`run-${second.external_id}`);
  });

  it("re-runs on check_run.rerequested and every pipeline on check_suite.rerequested", async () => {
    const repo = await stack.repo("rerequest", { ".github/gantry.yml": "pipelines:\n  a:\n    steps:\n      - run: echo a\n  b:\n    steps:\n      - run: echo b\n" });
    stack.fake.permissions.set("octo/rerequest:writer", "write");
    const { sha } = await stack.push(repo, {});
    const a = await stack.completed(repo, sha, "a");
    await stack.completed(repo, sha, "b");
    const completedOf = (name: string) => stack.fake.checkRunsFor("octo", "rerequest").filter((c) => c.name === name && c.status === "completed");
    await stack.deliver(JSON.stringify(rerequestedRunPayload({ ...target(repo, "writer"), externalId: a.external_id!, checkRunId: a.id, sha })), { event: "check_run" });
    await stack.fake.waitFor(() => completedOf("a").length === 2);
    // Re-run of one check run runs that pipeline alone, as a new check run of the same commit
    const [, again] = completedOf("a");
    expect(again).toMatchObject({ head_sha: sha, conclusion: "success" });
    expect(again!.external_id).not.toBe(a.external_id);
    expect(again!.output.text).toContain("a\n");
    expect(completedOf("b")).toHaveLength(1);
    await stack.deliver(JSON.stringify(rerequestedSuitePayload({ ...target(repo, "writer"), sha })), { event: "check_suite" });
    await stack.fake.waitFor(() => completedOf("a").length === 3 && completedOf("b").length === 2);
    // Re-run all runs every pipeline of the commit again, each as a check run of its own
    const all = [...completedOf("a"), ...completedOf("b")];
    expect(all.map((c) => [c.head_sha, c.conclusion])).toEqual(all.map(() => [sha, "success"]));
    expect(new Set(all.map((c) => c.external_id)).size).toBe(5);
  });

  it("cancels a running build when a writer presses Cancel", async () => {
    const repo = await stack.repo("cancel", { ".github/gantry.yml": "pipelines:\n  slow:\n    steps:\n      - run: sleep 60\n      - run: echo never\n" });
    stack.fake.permissions.set("octo/cancel:admin-user", "admin");
    const { sha } = await stack.push(repo, {});
    const running = await stack.fake.waitFor(() => stack.fake.checkRunsFor("octo", "cancel").find((c) => c.status === "in_progress"));
    expect(running.actions).toEqual([{ label: "Cancel", identifier: "cancel", description: "Stop this run" }]);
    await stack.deliver(JSON.stringify(requestedActionPayload({ ...target(repo, "admin-user"), externalId: running.external_id!, checkRunId: running.id, sha, identifier: "cancel" })), { event: "check_run" });
    const done = await stack.completed(repo, sha, "slow");
    expect(done.conclusion).toBe("cancelled");
    expect(done.output.summary).toMatch(/\*\*Cancelled:\*\* Requested by @\u200dadmin\\?-user/);
  });

  it("ignores buttons pressed by users without write access, with a log line", async () => {
    const repo = await stack.repo("readers", { ".github/gantry.yml": "pipelines:\n  build:\n    steps:\n      - run: echo once\n" });
    stack.fake.permissions.set("octo/readers:reader", "read");
    const { sha } = await stack.push(repo, {});
    const run = await stack.completed(repo, sha, "build");
    for (const sender of ["reader", "stranger"]) {
      const press = await stack.deliver(JSON.stringify(requestedActionPayload({ ...target(repo, sender), externalId: run.external_id!, checkRunId: run.id, sha, identifier: "rerun" })), { event: "check_run" });
      await waitForLog(stack.app, new RegExp(`"delivery":"${press.deliveryId}".*lacks write access`));
    }
    expect(stack.fake.checkRunsFor("octo", "readers")).toHaveLength(1);
  });

  it("never acts on a check run of another repository, whatever the sender may do in this one", async () => {
    const victim = await stack.repo("victim", { ".github/gantry.yml": "pipelines:\n  build:\n    steps:\n      - run: echo once\n" });
    const { sha } = await stack.push(victim, {});
    const run = await stack.completed(victim, sha, "build");
    const own = await stack.repo("own", { "README.md": "mine" });
    stack.fake.permissions.set("octo/own:owner-of-own", "admin");
    const press = await stack.deliver(JSON.stringify(requestedActionPayload({ ...target(own, "owner-of-own"), externalId: run.external_id!, checkRunId: run.id, sha, identifier: "rerun" })), { event: "check_run" });
    await waitForLog(stack.app, new RegExp(`"delivery":"${press.deliveryId}".*not a gantry check run of this repository`));
    expect(stack.fake.checkRunsFor("octo", "victim")).toHaveLength(1);
  });
});
