import { afterEach, expect, it } from "vitest";
import { createAppKey } from "../fake-github/app-key.js";
import { startFakeGitHub, type FakeGitHub } from "../fake-github/fake-github.js";
import { eventually } from "../helpers/eventually.js";
import { logLines, startApp, type RunningApp } from "../helpers/start-app.js";

let fake: FakeGitHub | null = null;
let app: RunningApp | null = null;
afterEach(async () => {
  await app?.stop();
  await fake?.close();
});

// smee-client is optional (as for Probot): without it a WEBHOOK_PROXY_URL would silently deliver nothing
it("with WEBHOOK_PROXY_URL and no smee-client installed, says how to install it, without logging the channel", async () => {
  const { privateKey, publicKey } = createAppKey();
  fake = await startFakeGitHub({ appId: 5, publicKey });
  app = await startApp({
    APP_ID: "5",
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: "s",
    GHE_HOST: fake.host,
    GHE_PROTOCOL: "http",
    GANTRY_REDELIVERY_INTERVAL_SECONDS: "0",
    WEBHOOK_PROXY_URL: "https://smee.io/secret-channel-name",
  });
  const warning = await eventually(
    "a warning about WEBHOOK_PROXY_URL",
    async () => logLines(app!.output()).find((l) => l["level"] === 40 && String(l["msg"]).includes("WEBHOOK_PROXY_URL"))?.["msg"] as string | undefined,
  );
  expect(warning).toContain("smee-client is not installed, so nothing arrives from smee.io: run `npm install --no-save smee-client@5`");
  expect(app.output()).not.toContain("secret-channel-name");
});
