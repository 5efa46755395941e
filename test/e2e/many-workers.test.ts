import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.js";
import { redisUrl, startPrivateRedis } from "../helpers/redis.js";
import { startApp } from "../helpers/start-app.js";
import type { RunningApp } from "../helpers/start-app.js";
import { startStack, type Stack } from "./stack.js";

// a database of its own on the machine's Redis, emptied first: the nodes use gantry's fixed key prefixes
const REDIS_URL = Object.assign(new URL(redisUrl()), { pathname: "/7" }).href;

let stack: Stack;
let scratch: string;
let workers: RunningApp[];
beforeAll(async () => {
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  await redis.quit();
  scratch = await mkdtemp(join(tmpdir(), "gantry-e2e-workers-"));
  stack = await startStack({ REDIS_URL, GANTRY_CONCURRENCY: "0", GANTRY_WORKER_LOCK_SECONDS: "2" });
  workers = [await stack.startWorker({ GANTRY_CONCURRENCY: "1" }), await stack.startWorker({ GANTRY_CONCURRENCY: "1" })];
});
afterAll(async () => {
  await stack?.stop();
  await rm(scratch, { recursive: true, force: true });
});

const ranOn = (worker: RunningApp, runId: string) => worker.output().includes(`"run":"${runId}"`);

describe("many workers on one Redis", () => {
  it("refuses to start against a Redis that may evict keys, saying how to fix it", async () => {
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
    const starts = join(scratch, "starts");
    const repo = await stack.repo("survivor", {
      ".github/gantry.yml": [
        "pipelines:",
        "  quick:",
        "    steps:",
        `      - run: echo "quick $GANTRY_RUN_ID" >> ${starts}`,
        "  build:",
        "    steps:",
        `      - run: echo "long $$" >> ${starts}; sleep 4; echo done`,
        "",
      ].join("\n"),
    });
    const { sha } = await stack.push(repo, {});
    const quick = await stack.completed(repo, sha, "quick");
    const running = await stack.fake.waitFor(() => stack.fake.checkRunsFor("octo", "survivor").find((c) => c.name === "build" && c.status === "in_progress"));
    await eventually("the long step", () => readFile(starts, "utf8").then((t) => t.includes("long")));
    const victim = workers.find((w) => ranOn(w, running.external_id!))!;
    await victim.stop("SIGKILL");
    const run = await stack.completed(repo, sha, "build", 60_000);
    expect(run.conclusion).toBe("success");
    expect(run.output.text).toContain("done");
    const survivor = workers.find((w) => w !== victim)!;
    expect(survivor.output()).toContain("taking over a run whose worker died");
    expect(stack.fake.checkRunsFor("octo", "survivor")).toHaveLength(2);
    // the pipeline that had succeeded before the kill ran once; the killed one ran again, from the start
    const lines = (await readFile(starts, "utf8")).split("\n").filter(Boolean);
    expect(lines.filter((l) => l.startsWith("quick"))).toEqual([`quick ${quick.external_id}`]);
    expect(lines.filter((l) => l.startsWith("long"))).toHaveLength(2);
  });
});
