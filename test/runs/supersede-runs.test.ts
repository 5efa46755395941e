import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunRecord } from "../../src/runs/run-types.js";
import { supersedeRuns } from "../../src/runs/supersede-runs.js";
import { run } from "../backend/storage/store-contract.js";
import { openTempStore } from "../helpers/temp-store.js";

let temp: ReturnType<typeof openTempStore>;
beforeEach(() => (temp = openTempStore()));
afterEach(() => temp.close());

const OLD_SHA = "a".repeat(40);
const NEW_SHA = "b".repeat(40);
const REASON = "Superseded by a newer push to main: bbbbbbb.";

/** A run of `name` on `sha`, created at `createdAt`; `change` edits its push or pipeline. */
function runOn(id: string, sha: string, createdAt: number, overrides: Partial<RunRecord> = {}, change: { ref?: string; pipeline?: Partial<RunRecord["pipeline"]>; name?: string } = {}): RunRecord {
  const base = run(id, `delivery-${id}`, change.name ?? "build", { createdAt, ...overrides });
  return { ...base, push: { ...base.push, sha, ref: change.ref ?? base.push.ref }, pipeline: { ...base.pipeline, ...change.pipeline } };
}

async function states(): Promise<Record<string, [string, string | null]>> {
  const all = await temp.store.findRuns({ owner: "octo", repo: "app" });
  return Object.fromEntries(all.map((r) => [r.id, [r.state, r.cancelRequested]]));
}

describe("supersedeRuns", () => {
  it("cancels older waiting and queued runs of the pipeline on the branch, and asks a running one to stop, naming the newer commit", async () => {
    await temp.store.addRuns([
      runOn("waiting", OLD_SHA, 1, { state: "waiting" }),
      runOn("queued", OLD_SHA, 2),
      runOn("running", OLD_SHA, 3, { state: "running" }),
    ]);
    const [newer] = await temp.store.addRuns([runOn("newer", NEW_SHA, 10)]);
    const cancelled = await supersedeRuns(temp.store, [newer!]);
    expect(cancelled.map((r) => r.id).sort()).toEqual(["queued", "running", "waiting"]);
    expect(await states()).toEqual({
      waiting: ["completed", REASON],
      queued: ["completed", REASON],
      running: ["running", REASON],
      newer: ["queued", null],
    });
    expect((await temp.store.getRun("queued"))?.result).toMatchObject({ conclusion: "cancelled", reason: REASON });
  });

  it("leaves alone other pipelines, other branches, the same commit, newer runs and finished ones", async () => {
    const done = { conclusion: "success" as const, steps: [], durationMs: 1 };
    await temp.store.addRuns([
      runOn("other-pipeline", OLD_SHA, 1, {}, { name: "lint" }),
      runOn("other-branch", OLD_SHA, 1, {}, { ref: "refs/heads/dev" }),
      runOn("same-commit", NEW_SHA, 1),
      runOn("created-later", OLD_SHA, 20),
      runOn("finished", OLD_SHA, 1, { state: "completed", result: done }),
    ]);
    const [newer] = await temp.store.addRuns([runOn("newer", NEW_SHA, 10)]);
    expect(await supersedeRuns(temp.store, [newer!])).toEqual([]);
    expect(Object.values(await states()).every(([, cancel]) => cancel === null)).toBe(true);
  });

  it("never supersedes tags, pipelines with cancel_superseded: false, or on behalf of a run that already finished", async () => {
    await temp.store.addRuns([
      runOn("tag-old", OLD_SHA, 1, {}, { ref: "refs/tags/v1" }),
      runOn("keep-old", OLD_SHA, 1, {}, { name: "lint", pipeline: { name: "lint", cancelSuperseded: false } }),
      runOn("build-old", OLD_SHA, 1),
    ]);
    const newer = await temp.store.addRuns([
      runOn("tag-new", NEW_SHA, 10, {}, { ref: "refs/tags/v1" }),
      runOn("keep-new", NEW_SHA, 10, {}, { name: "lint", pipeline: { name: "lint", cancelSuperseded: false } }),
      runOn("build-new", NEW_SHA, 10, { state: "completed", result: { conclusion: "skipped", steps: [], durationMs: null } }),
    ]);
    expect(await supersedeRuns(temp.store, newer)).toEqual([]);
    expect(Object.values(await states()).every(([, cancel]) => cancel === null)).toBe(true);
  });

  it("keeps a running deployment, but of the deployments waiting behind it only the newest", async () => {
    const deploy = { pipeline: { name: "deploy", environment: "production" } };
    await temp.store.addRuns([
      runOn("deploying", OLD_SHA, 1, { state: "running" }, { name: "deploy", ...deploy }),
      runOn("waiting-older", "c".repeat(40), 2, {}, { name: "deploy", ...deploy }),
    ]);
    const [newer] = await temp.store.addRuns([runOn("newest", NEW_SHA, 10, {}, { name: "deploy", ...deploy })]);
    const cancelled = await supersedeRuns(temp.store, [newer!]);
    expect(cancelled.map((r) => r.id)).toEqual(["waiting-older"]);
    expect(await states()).toEqual({ deploying: ["running", null], "waiting-older": ["completed", REASON], newest: ["queued", null] });
  });

  it("supersedes even with cancel_superseded: false when the pipeline deploys", async () => {
    const deploy = { pipeline: { name: "deploy", environment: "production", cancelSuperseded: false } };
    await temp.store.addRuns([runOn("older", OLD_SHA, 1, {}, { name: "deploy", ...deploy })]);
    const [newer] = await temp.store.addRuns([runOn("newer", NEW_SHA, 10, {}, { name: "deploy", ...deploy })]);
    expect((await supersedeRuns(temp.store, [newer!])).map((r) => r.id)).toEqual(["older"]);
  });
});
