import type Bottleneck from "bottleneck";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { createProbotApp } from "../../src/app/create-probot-app.js";
import { sharedThrottle } from "../../src/app/shared-throttle.js";
import { createAppKey } from "../fake-github/app-key.js";
import { startFakeGitHub, type FakeGitHub } from "../fake-github/fake-github.js";
import { eventually } from "../helpers/eventually.js";
import { connectRedis, redisOptions } from "../helpers/redis.js";

let fake: FakeGitHub | undefined;
const clients: Redis[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await fake?.close();
});

describe("the throttle shared by many nodes", () => {
  it("starts the writes of all nodes to an installation 1 s apart, and a node that died holding its turn stops no one", async () => {
    clients.push(await connectRedis());
    const key = createAppKey();
    fake = await startFakeGitHub({ appId: 77, publicKey: key.publicKey });
    // an installation of its own: the throttle's Redis keys are named by it
    const installationId = 700_000 + Math.floor(Math.random() * 100_000);
    const repo = await fake.createRepo("octo", "app", { installationId });
    const sha = await repo.commit({ "a.txt": "1" }, "first");
    await repo.push("refs/heads/main", sha);
    const node = async () => {
      // as a node connects (the throttle's subscriber is a duplicate of it, so not a lazy one)
      const redis = new Redis(redisOptions());
      clients.push(redis);
      const throttle = sharedThrottle(redis);
      const probot = createProbotApp({ APP_ID: "77", PRIVATE_KEY: key.privateKey, GHE_HOST: fake!.host, GHE_PROTOCOL: "http", LOG_LEVEL: "error" }, throttle);
      await probot.ready();
      return { redis, throttle, octokit: await probot.auth(installationId) };
    };

    // a node got its turn to write and died before it ended
    const dead = await node();
    const limiter = (dead.throttle["write"] as Bottleneck.Group).key(String(installationId));
    void limiter.schedule(() => new Promise(() => {}));
    await eventually("the dead node's turn", async () => limiter.counts().EXECUTING === 1, 10_000);
    dead.redis.disconnect();

    const [a, b] = [await node(), await node()];
    const create = (octokit: typeof a.octokit, name: string) => octokit.rest.checks.create({ owner: "octo", repo: "app", name, head_sha: sha });
    await Promise.all([create(a.octokit, "a1"), create(b.octokit, "b1"), create(a.octokit, "a2"), create(b.octokit, "b2")]);
    const answered = fake.requests.filter((r) => r.method === "POST" && r.path === "/repos/octo/app/check-runs").map((r) => r.at);
    expect(answered).toHaveLength(4);
    // shared: three gaps of 1 s between the starts (3 s); per node only: each node's two 1 s apart (about 1 s).
    // The midpoint keeps a second of margin either way for a request that reaches the fake late on a busy machine.
    expect(Math.max(...answered) - Math.min(...answered)).toBeGreaterThan(2_000);
  }, 40_000);
});
