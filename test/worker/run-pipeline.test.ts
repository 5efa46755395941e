import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { JobQueue } from "../../src/backend/queue/job-queue.js";
import type { RunRecord } from "../../src/runs/run-types.js";
import { openDatabase } from "../../src/backend/open-database.js";
import { SqliteStore } from "../../src/backend/storage/sqlite-store.js";
import { runPipeline } from "../../src/worker/run-pipeline.js";
import { bwrapSandbox } from "../../src/worker/execution/sandbox/bwrap-sandbox.js";
import type { WorkerDeps } from "../../src/worker/worker-deps.js";
import { memoryLog } from "../helpers/memory-log.js";
import { run } from "../backend/storage/store-contract.js";
import { findFailedStep } from "../../src/runs/find-failed-step.js";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A real store; the queue records what is queued (queueing an existing job again is the queues' own contract). */
function workerDeps(): { deps: WorkerDeps; queued: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "gantry-run-pipeline-"));
  dirs.push(dir);
  const queued: string[] = [];
  const queue: JobQueue = { enqueue: async (id) => void queued.push(id), consume: () => {}, stop: async () => {}, close: async () => {} };
  const unused = () => Promise.reject(new Error("not used by this path"));
  const deps = {
    store: new SqliteStore(openDatabase(dir)),
    queue,
    github: { octokit: unused, app: unused, checkoutToken: unused },
    log: memoryLog().log,
    wakeSyncer: () => {},
    dataDir: dir,
    gitBaseUrl: "http://127.0.0.1:1",
    secretsFile: join(dir, "secrets.yml"),
    passEnv: [],
    serverEnv: {},
    sandbox: bwrapSandbox({ mode: "bwrap", bind: [], hide: [] }),
    nodeId: "test:1",
  } as WorkerDeps;
  return { deps, queued };
}

const needing = (id: string, state: RunRecord["state"]) => {
  const base = run(id, "d1", `after-${id}`, { state });
  return { ...base, pipeline: { ...base.pipeline, needs: ["build"] } };
};

describe("runPipeline, handed a run whose worker died after recording its result", () => {
  it("releases what waited on it, and queues again what was released but maybe never queued", async () => {
    const { deps, queued } = workerDeps();
    const result = { conclusion: "success" as const, steps: [], durationMs: 5 };
    await deps.store.addRuns([run("a", "d1", "build", { state: "completed", result, completedAt: 10 }), needing("b", "waiting"), needing("c", "queued")]);
    expect(await runPipeline(deps, "a", new AbortController().signal)).toBeUndefined();
    expect((await deps.store.getRun("b"))?.state).toBe("queued");
    expect((await deps.store.getRun("a"))?.version).toBe(1);
    expect(queued.sort()).toEqual(["b", "c"]);
  });
});

describe("runPipeline, when the commit cannot be checked out", () => {
  it("records the checkout as step 0 that failed, the steps skipped, as any failing step is recorded", async () => {
    const { deps } = workerDeps();
    // nothing listens on port 1: the fetch fails, with the token in hand
    const withToken = { ...deps, github: { ...deps.github, checkoutToken: async () => "token" } } as WorkerDeps;
    await deps.store.addRuns([run("a", "d1", "build")]);
    expect(await runPipeline(withToken, "a", new AbortController().signal)).toBeUndefined();
    const done = await deps.store.getRun("a");
    expect(done?.state).toBe("completed");
    expect(done?.result).toMatchObject({ conclusion: "failure", reason: "exited with code 128" });
    expect(findFailedStep(done!.result!)?.name).toBe("Checkout");
    expect(done?.result?.steps).toEqual([
      { name: "Checkout", conclusion: "failure", exitCode: 128, durationMs: done!.result!.steps[0]!.durationMs },
      { name: "s", conclusion: "skipped", exitCode: null, durationMs: null },
    ]);
    expect(done?.result?.logTail).toMatch(/^==> Checkout\na{40}\n[\s\S]*127\.0\.0\.1/);
  });

  it("reads no test reports: no step ran, so there is nothing to report on", async () => {
    const { deps } = workerDeps();
    const withToken = { ...deps, github: { ...deps.github, checkoutToken: async () => "token" } } as WorkerDeps;
    const base = run("a", "d1", "build");
    await deps.store.addRuns([{ ...base, pipeline: { ...base.pipeline, reports: { junit: ["**/*.xml"] } } }]);
    await runPipeline(withToken, "a", new AbortController().signal);
    const done = await deps.store.getRun("a");
    expect(done?.result?.conclusion).toBe("failure");
    expect(done?.result).not.toHaveProperty("tests");
  });
});
