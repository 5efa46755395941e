import { afterEach, describe, expect, it } from "vitest";
import { createProbotApp } from "../../src/app/create-probot-app.js";
import { githubAppFromProbot } from "../../src/github/github-app.js";
import { createAppKey } from "../fake-github/app-key.js";
import { startFakeGitHub, type FakeGitHub } from "../fake-github/fake-github.js";

let fake: FakeGitHub | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

async function setUp(now: () => number) {
  const key = createAppKey();
  fake = await startFakeGitHub({ appId: 77, publicKey: key.publicKey });
  await fake.createRepo("gantry-test", "one");
  await fake.createRepo("gantry-test", "two");
  const probot = createProbotApp({ APP_ID: "77", PRIVATE_KEY: key.privateKey, GHE_HOST: fake.host, GHE_PROTOCOL: "http", LOG_LEVEL: "error" });
  await probot.ready();
  const f = fake;
  const asked = () => f.requests.filter((r) => r.method === "POST" && r.path === "/app/installations/1/access_tokens" && r.status === 201);
  return { github: githubAppFromProbot(probot, now), asked };
}

describe("checkout tokens", () => {
  it("are asked once per repository and reused, concurrent asks sharing one request", async () => {
    const { github, asked } = await setUp(Date.now);
    const [a, b] = await Promise.all([github.checkoutToken(1, "one"), github.checkoutToken(1, "one")]);
    expect(a).toBe(b);
    expect(await github.checkoutToken(1, "One")).toBe(a);
    expect(asked()).toHaveLength(1);
    // another repository gets a token of its own, limited to it
    expect(await github.checkoutToken(1, "two")).not.toBe(a);
    expect(asked()).toHaveLength(2);
    expect(asked()[1]!.body).toMatchObject({ repositories: ["two"], permissions: { contents: "read" } });
  });

  it("are asked again once the cached one is within the margin of its expiry", async () => {
    let offset = 0;
    const { github, asked } = await setUp(() => Date.now() + offset);
    const first = await github.checkoutToken(1, "one");
    // the fake's tokens live an hour: 55 minutes on, one has 5 left, under the 10-minute margin
    offset = 55 * 60_000;
    const second = await github.checkoutToken(1, "one");
    expect(second).not.toBe(first);
    expect(asked()).toHaveLength(2);
  });
});
