import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, expect, it } from "vitest";
import { sendDelivery } from "../../src/cli/send-delivery.js";
import { createAppKey } from "../fake-github/app-key.js";
import { eventually } from "../helpers/eventually.js";
import { pushPayload } from "../helpers/push-payload.js";
import { logLines, startApp, type RunningApp } from "../helpers/start-app.js";

const SECRET = "unreachable-secret";
const apps: RunningApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop("SIGKILL")));
});

/** A loopback port nothing listens on: connections to it are refused at once, as when DNS fails at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startUnreachable(env: Record<string, string> = {}): Promise<{ app: RunningApp; host: string }> {
  const host = `127.0.0.1:${await closedPort()}`;
  const app = await startApp({ APP_ID: "99", PRIVATE_KEY: createAppKey().privateKey, WEBHOOK_SECRET: SECRET, GHE_HOST: host, GHE_PROTOCOL: "http", ...env });
  apps.push(app);
  return { app, host };
}

function warnings(app: RunningApp): string[] {
  return logLines(app.output())
    .filter((line) => line["level"] === 40)
    .map((line) => String(line["msg"]));
}

/** SIGTERM, and how long the process took to exit; it must exit by itself (not killed by the helper's SIGKILL). */
async function timeSigterm(app: RunningApp): Promise<number> {
  const started = Date.now();
  const exited = new Promise<number | null>((resolve) => app.process.once("exit", (code) => resolve(code)));
  app.process.kill("SIGTERM");
  const code = await exited;
  expect(code).toBe(0);
  return Date.now() - started;
}

it("says at warn, within seconds of a delivery, that GitHub is unreachable and why; SIGTERM exits at once", async () => {
  // no redelivery sweep at start-up: the first request to GitHub is the delivery's
  const { app, host } = await startUnreachable({ GANTRY_REDELIVERY_INTERVAL_SECONDS: "0" });
  const payload = pushPayload({ owner: "octo", repo: "down", installationId: 31, ref: "refs/heads/main", before: "0".repeat(40), after: "a".repeat(40), commits: [{ id: "a".repeat(40), message: "m" }] });
  const delivery = await sendDelivery({ url: app.webhookUrl, secret: SECRET, event: "push", payload: JSON.stringify(payload) });
  expect(delivery.status).toBe(202);

  // the installation token is the delivery's first request; Octokit's own retries take minutes
  const warning = await eventually(
    "a warning naming the network error and the host",
    async () => warnings(app).find((msg) => msg.includes("ECONNREFUSED")),
    10_000,
  );
  expect(warning).toContain(host);
  expect(warning).toContain("/app/installations/31/access_tokens");
  expect(warnings(app).join("\n")).not.toContain("GitHub answered 500");

  // the dispatch is still in Octokit's retries: stopping must not wait for it
  expect(await timeSigterm(app)).toBeLessThan(8_000);
});

it("SIGTERM during the start-up redelivery sweep, with GitHub unreachable, exits at once", async () => {
  const { app, host } = await startUnreachable();
  const warning = await eventually("the sweep's warning", async () => warnings(app).find((msg) => msg.includes("/app/hook/deliveries")), 10_000);
  expect(warning).toContain(`ECONNREFUSED from ${host}`);
  expect(await timeSigterm(app)).toBeLessThan(8_000);
});
