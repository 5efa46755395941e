import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.js";
import { redisUrl, startPrivateRedis } from "../helpers/redis.js";
import { startApp } from "../helpers/start-app.js";
import { startStepMarks, type StepMarks } from "../helpers/step-marks.js";
import type { RunningApp } from "../helpers/start-app.js";
import type { HostedRepo } from "../fake-github/fake-github.js";
import { startStack, waitForLog, type Stack } from "./stack.js";

// a database of its own on the machine's Redis, emptied first: the nodes use gantry's fixed key prefixes
const REDIS_URL = Object.assign(new URL(redisUrl()), { pathname: "/7" }).href;

/** The describe block it is called in gets a stack of its own (set in `at` before its tests) on an emptied database. */
function stackPerBlock(env: Record<string, string>): { stack: Stack; marks: StepMarks } {
  const at = {} as { stack: Stack; marks: StepMarks };
  beforeAll(async () => {
    const redis = new Redis(REDIS_URL);
    await redis.flushdb();
    await redis.quit();
    // sandboxed steps cannot leave a file behind for the test, nor for their own second attempt: they tell it
    at.marks = await startStepMarks();
    at.stack = await startStack({ REDIS_URL, ...env });
  });
  afterAll(async () => {
    await at.stack?.stop();
    await at.marks?.close();
  });
  return at;
}

/** A step's command that records `name` with the test (and answers how often it was recorded before). */
const mark = (marks: StepMarks, name: string) => `curl -fsS "${marks.url}/${name}"`;

const ranOn = (worker: RunningApp, runId: string) => worker.output().includes(`"run":"${runId}"`);

/** What GitHub shows of each check run of the repository, and whether a write of its conclusion reached it. */
const finalStates = (stack: Stack, repo: HostedRepo) =>
  stack.fake.checkRunsFor(repo.owner, repo.name).map((c) => ({
    name: c.name,
    status: c.status,
    conclusion: c.conclusion,
    toldConclusion: c.history.some((body) => body["conclusion"] === c.conclusion),
  }));

const succeeded = (...names: string[]) => names.map((name) => ({ name, status: "completed", conclusion: "success", toldConclusion: true }));

describe("many workers on one Redis", () => {
  const at = stackPerBlock({ GANTRY_CONCURRENCY: "0", GANTRY_WORKER_LOCK_SECONDS: "2" });
  let workers: RunningApp[];
  beforeAll(async () => {
    workers = [await at.stack.startWorker({ GANTRY_CONCURRENCY: "1" }), await at.stack.startWorker({ GANTRY_CONCURRENCY: "1" })];
  });

  it("refuses to start against a Redis that may evict keys, saying how to fix it", async () => {
    const { stack } = at;
    const server = await startPrivateRedis();
    try {
      const redis = new Redis(server.url);
      await redis.config("SET", "maxmemory-policy", "allkeys-lru");
      await redis.quit();
      const failed = await startApp({ REDIS_URL: server.url, APP_ID: "1", PRIVATE_KEY: stack.privateKey, WEBHOOK_SECRET: "x" }).then(
        (app) => app.stop().then(() => "started"),
        (error: Error) => error.message,
      );
      expect(failed).toContain("exited with 1 before listening");
      expect(failed).toContain('maxmemory-policy "allkeys-lru", but BullMQ requires "noeviction"');
    } finally {
      await server.stop();
    }
  });

  it("runs pushes received by a server that runs nothing itself on the workers", async () => {
    const { stack } = at;
    const repo = await stack.repo("shared", { ".github/gantry.yml": "pipelines:\n  a:\n    steps:\n      - run: sleep 1; echo a\n  b:\n    steps:\n      - run: sleep 1; echo b\n" });
    const { sha } = await stack.push(repo, {});
    const a = await stack.completed(repo, sha, "a");
    const b = await stack.completed(repo, sha, "b");
    expect([a.conclusion, b.conclusion]).toEqual(["success", "success"]);
    expect(stack.app.output()).not.toContain("pipeline success");
    // one pipeline a worker at a time (concurrency 1 each): both workers took one
    expect([ranOn(workers[0]!, a.external_id!) || ranOn(workers[0]!, b.external_id!), ranOn(workers[1]!, a.external_id!) || ranOn(workers[1]!, b.external_id!)]).toEqual([true, true]);
  });

  it("finishes on another worker the build of a worker killed mid-run, and runs nothing twice that succeeded", async () => {
    const { stack, marks } = at;
    const repo = await stack.repo("survivor", {
      ".github/gantry.yml": [
        "pipelines:",
        "  quick:",
        "    steps:",
        `      - run: ${mark(marks, "quick/$GANTRY_RUN_ID")}`,
        "  build:",
        "    steps:",
        `      - run: ${mark(marks, "long")}; sleep 4; echo done`,
        "",
      ].join("\n"),
    });
    const { sha } = await stack.push(repo, {});
    // the kill comes while the long step runs, whatever quick's report is doing: under load its check run may be
    // reported after the build's in_progress (writes to GitHub are spaced per installation)
    await eventually("the long step", async () => marks.count("long") > 0);
    const running = await stack.fake.waitFor(() => stack.fake.checkRunsFor("octo", "survivor").find((c) => c.name === "build"));
    const victim = workers.find((w) => ranOn(w, running.external_id!))!;
    await victim.stop("SIGKILL");
    const quick = await stack.completed(repo, sha, "quick");
    const run = await stack.completed(repo, sha, "build", 60_000);
    expect(run.conclusion).toBe("success");
    expect(run.output.text).toContain("done");
    const survivor = workers.find((w) => w !== victim)!;
    expect(survivor.output()).toContain("taking over a run whose worker died");
    // both check runs ended on GitHub, whichever node reported them
    expect(finalStates(stack, repo)).toEqual(succeeded("quick", "build"));
    // the pipeline that had succeeded before the kill ran once; the killed one ran again, from the start
    expect(marks.marks.filter((m) => m.startsWith("quick/"))).toEqual([`quick/${quick.external_id}`]);
    expect(marks.count("long")).toBe(2);
  });
});

describe("a node killed at any point of its work", () => {
  // the node that dies receives the pushes and runs them: until it dies no other node exists to do its part
  const at = stackPerBlock({ GANTRY_CONCURRENCY: "4", GANTRY_WORKER_LOCK_SECONDS: "2" });

  it("brings every run to GitHub's final state through the node left, wherever the kill came", async () => {
    const { stack, marks } = at;
    const stages = ["dispatch", "token", "checkout", "mid-step", "step-ended"] as const;
    type Stage = (typeof stages)[number];
    // the mid-step step's first attempt sleeps until the kill; a second attempt ends at once
    const sleepOnce = `; if [ "$(${mark(marks, "slept")})" = 0 ]; then sleep 120; fi`;
    const step = (stage: Stage) => `${mark(marks, `${stage}/$GANTRY_RUN_ID`)}${stage === "mid-step" ? sleepOnce : ""}`;
    const repos = {} as Record<Stage, HostedRepo>;
    for (const stage of stages) {
      repos[stage] = await stack.repo(`crash-${stage}`, { ".github/gantry.yml": `pipelines:\n  build:\n    steps:\n      - run: ${step(stage)}\n` });
    }
    const checkRuns = (stage: Stage) => new RegExp(`^/repos/octo/crash-${stage}/check-runs(/\\d+)?$`);
    const field = (name: string) => (body: unknown) => (body as Record<string, unknown> | null)?.[name];
    // each stage's request is held at GitHub when the node dies, and never reaches it
    const holds = {
      // before the run exists: the node is reading the pipeline config, the delivery's lease in its hand
      dispatch: stack.fake.hold("GET", /^\/repos\/octo\/crash-dispatch\/contents\//),
      // before the checkout: the node is asking GitHub for the checkout's token
      token: stack.fake.hold("POST", /^\/app\/installations\/\d+\/access_tokens$/, (body) => `${field("repositories")(body)}` === "crash-token"),
      // before the first step: the checkout is fetching
      checkout: stack.fake.hold("POST", /^\/octo\/crash-checkout\.git\/git-upload-pack$/),
      // mid-step, and the node is still telling GitHub that the run started: it holds the run's report lease
      "mid-step": stack.fake.hold("*", checkRuns("mid-step"), (body) => field("status")(body) === "in_progress"),
      // right after the step ended: the run is completed, and the node is telling GitHub so
      "step-ended": stack.fake.hold("*", checkRuns("step-ended"), (body) => field("conclusion")(body) !== undefined),
    };
    const shas = {} as Record<Stage, string>;
    // the token's push comes last: a node asks for its tokens one at a time, and this request is held
    for (const stage of stages.filter((s) => s !== "token")) shas[stage] = (await stack.push(repos[stage], {})).sha;
    await Promise.all(Object.entries(holds).flatMap(([stage, hold]) => (stage === "token" ? [] : [hold.reached])));
    shas.token = (await stack.push(repos.token, {})).sha;
    await holds.token.reached;
    await eventually("the mid-step step", async () => marks.count("slept") > 0);
    const started = async (stage: Stage) => marks.count(`${stage}/`);
    expect(await Promise.all(stages.map(started))).toEqual([0, 0, 0, 1, 1]);

    const survivor = await stack.startWorker({ GANTRY_CONCURRENCY: "4" });
    await stack.app.stop("SIGKILL");
    for (const hold of Object.values(holds)) hold.release();
    for (const stage of stages) await stack.completed(repos[stage], shas[stage], "build", 60_000);
    for (const stage of stages) expect({ stage, runs: finalStates(stack, repos[stage]) }).toEqual({ stage, runs: succeeded("build") });
    // what had not run to its end ran (again) on the node left; what had, did not
    expect(await Promise.all(stages.map(started))).toEqual([1, 1, 1, 2, 1]);
    expect(survivor.output()).toContain("taking over a run whose worker died");
  }, 150_000);
});

describe("the default settings", () => {
  const at = stackPerBlock({ GANTRY_CONCURRENCY: "0" });

  it("hand the run of a worker killed mid-step to another worker in less than 35 s", async () => {
    const { stack, marks } = at;
    const victim = await stack.startWorker({ GANTRY_CONCURRENCY: "1" });
    // the first attempt sleeps until it is killed; the second ends at once
    const repo = await stack.repo("takeover", {
      ".github/gantry.yml": `pipelines:\n  build:\n    steps:\n      - run: if [ "$(${mark(marks, "first")})" = 0 ]; then sleep 120; fi\n`,
    });
    const { sha } = await stack.push(repo, {});
    await eventually("the first attempt's step", async () => marks.count("first") > 0);
    const survivor = await stack.startWorker({ GANTRY_CONCURRENCY: "1" });
    const killedAt = Date.now();
    await victim.stop("SIGKILL");
    await waitForLog(survivor, /taking over a run whose worker died/, 60_000);
    const takeoverMs = Date.now() - killedAt;
    expect((await stack.completed(repo, sha, "build")).conclusion).toBe("success");
    expect(finalStates(stack, repo)).toEqual(succeeded("build"));
    if (process.env["GANTRY_TEST_SAY_TAKEOVER"]) console.log(`takeover ${takeoverMs} ms after the kill`);
    expect(takeoverMs, `the takeover came ${takeoverMs} ms after the kill`).toBeLessThan(35_000);
  }, 90_000);
});
