import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import { afterEach, describe, expect, it } from "vitest";
import { GITHUB_HOOKS_FILE } from "../../src/app/allowlist/start-github-allowlist.js";
import type { HostedRepo } from "../fake-github/fake-github.js";
import { freePort } from "../helpers/free-port.js";
import { pushPayload } from "../helpers/push-payload.js";
import { logLines, startApp, type RunningApp } from "../helpers/start-app.js";
import { createAppKey } from "../fake-github/app-key.js";
import { APP_ID, SECRET, startStack, waitForLog, type Stack } from "./stack.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function stackWith(env: Record<string, string>, hooks?: string[]): Promise<Stack> {
  // "::" listens on both families: 127.0.0.1 arrives as ::ffff:127.0.0.1, ::1 as itself
  const stack = await startStack({ HOST: "::", ...env }, { beforeApp: (fake) => void (hooks && (fake.hooks = hooks)) });
  cleanups.push(() => stack.stop());
  return stack;
}

/** The app's webhook URL reached from one loopback address or the other. */
function webhookUrl(app: RunningApp, from: "127.0.0.1" | "::1"): string {
  const port = new URL(app.url).port;
  return `http://${from === "::1" ? "[::1]" : from}:${port}/api/github/webhooks`;
}

/** Posts a delivery signed as GitHub signs it, with extra headers (X-Forwarded-For). */
async function deliver(url: string, payload: string, deliveryId: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": deliveryId, "x-hub-signature-256": await sign(SECRET, payload), ...headers },
    body: payload,
  });
  return { status: response.status, body: await response.text() };
}

async function pushed(repo: HostedRepo, message: string): Promise<{ sha: string; payload: string }> {
  const sha = await repo.commit({ "file.txt": message }, message);
  const { before } = await repo.push("refs/heads/main", sha);
  const payload = JSON.stringify(pushPayload({ owner: repo.owner, repo: repo.name, repoId: repo.id, installationId: repo.installationId, ref: "refs/heads/main", before, after: sha, commits: [{ id: sha, message }] }));
  return { sha, payload };
}

function refusals(app: RunningApp) {
  return logLines(app.output()).filter((line) => line["msg"] === "webhook refused: source address not allowed");
}

const CONFIG = { ".github/gantry.yml": "pipelines:\n  hello:\n    steps:\n      - run: echo hello\n" };

describe("GANTRY_IP_ALLOWLIST=github through the real server and the fake GitHub's /meta", () => {
  it("refuses a source outside GitHub's hook ranges (nothing recorded), accepts one inside, and restarts from the saved list while GitHub is down", async () => {
    const stack = await stackWith({ GANTRY_IP_ALLOWLIST: "github" }, ["192.30.252.0/22", "::1/128"]);
    expect(stack.fake.requests.filter((r) => r.operationId === "meta/get").map((r) => r.status)).toEqual([200]);
    const repo = await stack.repo("allowlisted", CONFIG);
    const { sha, payload } = await pushed(repo, "never-logged-message");

    const refused = await deliver(webhookUrl(stack.app, "127.0.0.1"), payload, "ip-delivery-1");
    expect(refused.status).toBe(403);
    await waitForLog(stack.app, /webhook refused/);
    expect(refusals(stack.app)).toEqual([expect.objectContaining({ address: "127.0.0.1", delivery: "ip-delivery-1" })]);
    expect(stack.app.output()).not.toContain("never-logged-message");

    // the same delivery id from an allowed address is new to gantry: the refused one was never recorded
    const accepted = await deliver(webhookUrl(stack.app, "::1"), payload, "ip-delivery-1");
    expect(accepted).toEqual({ status: 202, body: expect.stringContaining('"delivery":"ip-delivery-1"') });
    expect((await stack.completed(repo, sha, "hello")).conclusion).toBe("success");

    const saved = JSON.parse(await readFile(join(stack.app.dataDir, GITHUB_HOOKS_FILE), "utf8")) as { hooks: string[] };
    expect(saved.hooks).toEqual(["192.30.252.0/22", "::1/128"]);

    // restart with GitHub unreachable (nothing listens on its address any more): the saved list is used, and decides
    const dataDir = stack.app.dataDir;
    await stack.app.stop("SIGKILL");
    await stack.fake.close();
    const down = await startApp(
      { APP_ID: String(APP_ID), PRIVATE_KEY: stack.privateKey, WEBHOOK_SECRET: SECRET, GHE_HOST: stack.fake.host, GHE_PROTOCOL: "http", HOST: "::", GANTRY_IP_ALLOWLIST: "github" },
      { dataDir },
    );
    cleanups.push(() => down.stop("SIGKILL"));
    expect(down.output()).toMatch(/IP allowlist: GET http:\/\/127\.0\.0\.1:\d+\/api\/v3\/meta failed: ECONNREFUSED; using the 2 GitHub webhook ranges saved at/);
    expect((await deliver(webhookUrl(down, "127.0.0.1"), payload, "ip-delivery-2")).status).toBe(403);
    expect((await deliver(webhookUrl(down, "::1"), payload, "ip-delivery-2")).status).toBe(202);
  });

  it("does not start when GitHub is unreachable and no list was saved, saying why", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gantry-ip-nosave-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const host = `127.0.0.1:${await freePort()}`;
    const start = startApp(
      { APP_ID: String(APP_ID), PRIVATE_KEY: createAppKey().privateKey, WEBHOOK_SECRET: SECRET, GHE_HOST: host, GHE_PROTOCOL: "http", GANTRY_IP_ALLOWLIST: "github" },
      { dataDir: join(dir, "data") },
    );
    // an app that did start (the defect this test is for) is stopped, not left running
    const error = (await start.then(async (app) => void (await app.stop("SIGKILL")), (e: unknown) => e)) as Error | undefined;
    expect(error?.message).toContain("app exited with 1 before listening");
    expect(error?.message).toContain(`gantry: GANTRY_IP_ALLOWLIST=github: GitHub's webhook addresses could not be fetched (GET http://${host}/api/v3/meta failed: ECONNREFUSED)`);
  });
});

describe("GANTRY_IP_ALLOWLIST with CIDRs and GANTRY_TRUSTED_PROXIES", () => {
  it("believes X-Forwarded-For only from the trusted proxy, and only its right-most untrusted hop", async () => {
    const stack = await stackWith({ GANTRY_IP_ALLOWLIST: "192.30.252.0/22, 2a0a:a440::/29", GANTRY_TRUSTED_PROXIES: "127.0.0.1" });
    expect(stack.fake.requests.filter((r) => r.operationId === "meta/get")).toEqual([]);
    const repo = await stack.repo("proxied", CONFIG);
    const { sha, payload } = await pushed(repo, "through the proxy");
    const proxy = webhookUrl(stack.app, "127.0.0.1");

    expect((await deliver(proxy, payload, "xff-none")).status).toBe(403);
    expect((await deliver(proxy, payload, "xff-forged", { "x-forwarded-for": "192.30.252.10, 203.0.113.7" })).status).toBe(403);
    // the same header from a peer that is not a trusted proxy is not believed
    expect((await deliver(webhookUrl(stack.app, "::1"), payload, "xff-direct", { "x-forwarded-for": "192.30.252.10" })).status).toBe(403);
    await waitForLog(stack.app, /"delivery":"xff-direct"/);
    expect(refusals(stack.app).map((line) => [line["delivery"], line["address"]])).toEqual([
      ["xff-none", "127.0.0.1"],
      ["xff-forged", "203.0.113.7"],
      ["xff-direct", "::1"],
    ]);

    expect((await deliver(proxy, payload, "xff-github", { "x-forwarded-for": "192.30.252.10" })).status).toBe(202);
    expect((await deliver(proxy, payload, "xff-github-v6", { "x-forwarded-for": "2a0a:a441::1" })).status).toBe(202);
    expect((await stack.completed(repo, sha, "hello")).conclusion).toBe("success");
  });
});
