import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dispatchCheckEvent } from "../../src/dispatch/dispatch-check-event.js";
import type { SqliteQueue } from "../../src/backend/queue/sqlite-queue.js";
import type { GitHubApp } from "../../src/github/github-app.js";
import type { RunRecord } from "../../src/runs/run-types.js";
import type { FakeGitHub, HostedRepo } from "../fake-github/fake-github.js";
import { run } from "../backend/storage/store-contract.js";
import { requestedActionPayload, rerequestedRunPayload, rerequestedSuitePayload } from "../helpers/check-payloads.js";
import { queuedJobs } from "../helpers/queued-jobs.js";
import { startFakeGitHubApp } from "../helpers/fake-github-app.js";
import { memoryLog } from "../helpers/memory-log.js";
import { openTempStore } from "../helpers/temp-store.js";

const CONFIG = "pipelines:\n  build:\n    steps:\n      - run: echo build\n  lint:\n    steps:\n      - run: echo lint\n";

let temp: ReturnType<typeof openTempStore>;
let queue: SqliteQueue;
let fake: FakeGitHub;
let github: GitHubApp;
let repo: HostedRepo;
let sha: string;
let memory: ReturnType<typeof memoryLog>;
let wakes: number;

beforeEach(async () => {
  temp = openTempStore();
  queue = temp.openQueue();
  ({ fake, github } = await startFakeGitHubApp());
  repo = await fake.createRepo("octo", "app");
  sha = await repo.commit({ ".github/gantry.yml": CONFIG }, "add gantry");
  await repo.push("refs/heads/main", sha);
  fake.permissions.set("octo/app:writer", "write");
  fake.permissions.set("octo/app:reader", "read");
  memory = memoryLog();
  wakes = 0;
});
afterEach(async () => {
  await temp.close();
  await fake.close();
});

type Where = Pick<HostedRepo, "owner" | "name" | "id" | "installationId">;
const target = (on: Where, sender: string) => ({ owner: on.owner, repo: on.name, repoId: on.id, installationId: on.installationId, sender });

/** A run of `name` on the pushed commit of `on`. */
function runOf(id: string, on: HostedRepo = repo, overrides: Partial<RunRecord> = {}): RunRecord {
  const base = run(id, `push-${id}`, "build", overrides);
  return { ...base, push: { ...base.push, owner: on.owner, repo: on.name, installationId: on.installationId, sha } };
}

let deliveries = 0;
async function dispatch(event: "check_run" | "check_suite", payload: unknown): Promise<{ outcome: string; deliveryId: string }> {
  const deliveryId = `delivery-${++deliveries}`;
  const deps = { store: temp.store, queue, github, log: memory.log, wakeSyncer: () => void wakes++, nodeId: "test-host:1" };
  const outcome = await dispatchCheckEvent(deps, { id: deliveryId, event, receivedAt: Date.now(), attempts: 0 }, payload);
  return { outcome, deliveryId };
}

const press = (on: Where, sender: string, externalId: string, identifier: string) =>
  dispatch("check_run", requestedActionPayload({ ...target(on, sender), externalId, checkRunId: 1, sha, identifier }));

describe("dispatchCheckEvent", () => {
  it("cancels a run when a writer presses Cancel, and wakes the syncer to show it", async () => {
    await temp.store.addRuns([runOf("r1")]);
    expect((await press(repo, "writer", "r1", "cancel")).outcome).toBe("cancel requested for r1");
    expect(await temp.store.getRun("r1")).toMatchObject({ state: "completed", result: { conclusion: "cancelled", reason: "Requested by @writer." } });
    expect(wakes).toBe(1);
    expect((await press(repo, "writer", "r1", "cancel")).outcome).toBe("r1 had already finished");
  });

  it("re-runs a pipeline on Re-run (the button or GitHub's own) as a new queued run of the commit, without its needs", async () => {
    const done = { state: "completed" as const, result: { conclusion: "failure" as const, steps: [], durationMs: 1 } };
    const [old] = await temp.store.addRuns([{ ...runOf("r1", repo, done), pipeline: { ...runOf("r1").pipeline, needs: ["lint"] } }]);
    const button = await press(repo, "writer", "r1", "rerun");
    const rerequested = await dispatch("check_run", rerequestedRunPayload({ ...target(repo, "writer"), externalId: "r1", checkRunId: 1, sha }));
    const again = [...(await temp.store.runsOfDelivery(button.deliveryId)), ...(await temp.store.runsOfDelivery(rerequested.deliveryId))];
    expect([button.outcome, rerequested.outcome]).toEqual(again.map((r) => `re-ran build as ${r.id}`));
    for (const r of again) {
      expect(r).toMatchObject({ state: "queued", checkRunId: null, push: old!.push, pipeline: { ...old!.pipeline, action: "run", needs: [] } });
      expect(r.id).not.toBe("r1");
    }
    expect(await queuedJobs(queue)).toEqual(again.map((r) => r.id));
    expect((await temp.store.getRun("r1"))?.result?.conclusion).toBe("failure");
  });

  it("plans every pipeline of the commit again from its config on Re-run all", async () => {
    await temp.store.addRuns([runOf("r1")]);
    const { outcome, deliveryId } = await dispatch("check_suite", rerequestedSuitePayload({ ...target(repo, "writer"), sha }));
    expect(outcome).toBe(`re-ran 2 pipeline(s) of ${sha}`);
    expect((await temp.store.runsOfDelivery(deliveryId)).map((r) => [r.pipeline.name, r.push.sha, r.state])).toEqual([
      ["build", sha, "queued"],
      ["lint", sha, "queued"],
    ]);
    const unknown = "f".repeat(40);
    expect((await dispatch("check_suite", rerequestedSuitePayload({ ...target(repo, "writer"), sha: unknown }))).outcome).toBe("no gantry run known for this commit");
  });

  it("does nothing for a sender without write access, and logs who and where", async () => {
    await temp.store.addRuns([runOf("r1")]);
    for (const sender of ["reader", "stranger"]) {
      const { outcome, deliveryId } = await press(repo, sender, "r1", "cancel");
      expect(outcome).toBe(`ignored: ${sender} lacks write access`);
      const line = memory.lines().find((l) => l.includes(deliveryId));
      expect(JSON.parse(line!)).toMatchObject({ level: 40, sender, repository: "octo/app", msg: "ignored: sender lacks write access" });
    }
    expect((await dispatch("check_suite", rerequestedSuitePayload({ ...target(repo, "reader"), sha }))).outcome).toBe("ignored: reader lacks write access");
    expect(await temp.store.getRun("r1")).toMatchObject({ state: "queued", cancelRequested: null });
    expect(await temp.store.findRuns({ owner: "octo", repo: "app" })).toHaveLength(1);
    expect(wakes).toBe(0);
  });

  it("never acts on a run of another repository, whatever the sender may do in the one the request names", async () => {
    const victim = await fake.createRepo("octo", "victim");
    await temp.store.addRuns([runOf("theirs", victim)]);
    // an admin of app presses a button whose external id is the id of a run of victim
    fake.permissions.set("octo/app:intruder", "admin");
    for (const action of ["cancel", "rerun"]) {
      expect((await press(repo, "intruder", "theirs", action)).outcome).toBe("not a gantry check run of this repository");
    }
    expect((await dispatch("check_run", rerequestedRunPayload({ ...target(repo, "intruder"), externalId: "theirs", checkRunId: 1, sha }))).outcome).toBe(
      "not a gantry check run of this repository",
    );
    expect(await temp.store.getRun("theirs")).toMatchObject({ state: "queued", cancelRequested: null });
    expect(await temp.store.findRuns({ owner: "octo", repo: "victim" })).toHaveLength(1);
    expect(await temp.store.findRuns({ owner: "octo", repo: "app" })).toHaveLength(0);
    expect(await queuedJobs(queue)).toEqual([]);
  });

  it("matches the repository as GitHub does, whatever the case of its name", async () => {
    await temp.store.addRuns([runOf("r1")]);
    const shouting = { ...repo, owner: "OCTO", name: "App" };
    expect((await press(shouting, "writer", "r1", "cancel")).outcome).toBe("cancel requested for r1");
  });

  it("answers an unknown check run, an unknown button and a payload without installation without acting", async () => {
    await temp.store.addRuns([runOf("r1")]);
    expect((await press(repo, "writer", "no-such-run", "cancel")).outcome).toBe("not a gantry check run of this repository");
    expect((await press(repo, "writer", "r1", "deploy")).outcome).toBe('unknown action "deploy"');
    const payload = { ...requestedActionPayload({ ...target(repo, "writer"), externalId: "r1", checkRunId: 1, sha, identifier: "cancel" }), installation: undefined };
    expect((await dispatch("check_run", payload)).outcome).toBe("no installation in the payload");
    expect(await temp.store.getRun("r1")).toMatchObject({ state: "queued", cancelRequested: null });
  });
});
