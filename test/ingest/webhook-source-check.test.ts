import { mkdtempSync, rmSync } from "node:fs";
import { request, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import { afterEach, describe, expect, it } from "vitest";
import { createSourceCheck } from "../../src/app/allowlist/create-source-check.js";
import { prepareAddressList } from "../../src/app/allowlist/prepare-address-list.js";
import { createWebhookHandler } from "../../src/ingest/create-webhook-handler.js";
import { startHttpServer } from "../../src/app/server/start-http-server.js";
import { openDatabase } from "../../src/backend/open-database.js";
import { SqliteStore } from "../../src/backend/storage/sqlite-store.js";
import { memoryLog } from "../helpers/memory-log.js";
import { pushPayload } from "../helpers/push-payload.js";

const SECRET = "source-check-secret";
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(allowed: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "gantry-source-"));
  const store = new SqliteStore(openDatabase(dir));
  const memory = memoryLog();
  const sourceCheck = createSourceCheck({ allowed: () => prepareAddressList(allowed), trustedProxies: prepareAddressList([]) });
  const handler = createWebhookHandler({ path: "/api/github/webhooks", secret: SECRET, store, log: memory.log, onRecorded: () => {}, sourceCheck });
  const { server, url } = await startHttpServer({ port: 0, host: "127.0.0.1", handlers: [handler], log: memory.log });
  cleanups.push(async () => {
    await new Promise((r) => (server as Server).close(r));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { store, url: `${url}/api/github/webhooks`, lines: memory.lines };
}

const payload = JSON.stringify(pushPayload({ owner: "octo", repo: "app", ref: "refs/heads/main", before: "0".repeat(40), after: "b".repeat(40), commits: [{ id: "b".repeat(40), message: "secret-commit-message" }] }));

async function headers(id: string) {
  return { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": id, "x-hub-signature-256": await sign(SECRET, payload) };
}

describe("the ack path with an IP allowlist", () => {
  it("answers 403 to a source not listed, records nothing and logs one line with the address and delivery id only", async () => {
    const app = await serve(["192.30.252.0/22", "::1/128"]);
    const response = await fetch(app.url, { method: "POST", headers: await headers("refused-1"), body: payload });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: "Forbidden: source address not allowed" });
    expect(await app.store.hasDelivery("refused-1")).toBe(false);
    const refused = app.lines().filter((line) => line.includes("webhook refused"));
    expect(refused).toHaveLength(1);
    expect(JSON.parse(refused[0]!)).toMatchObject({ address: "127.0.0.1", delivery: "refused-1", msg: "webhook refused: source address not allowed" });
    expect(app.lines().join("\n")).not.toContain("secret-commit-message");
  });

  it("refuses before reading the body: the 403 arrives while most of the body is still unsent", async () => {
    const app = await serve(["192.30.252.0/22"]);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(app.url, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": "slow-1", "x-hub-signature-256": "sha256=00", "content-length": String(10 * 1024 * 1024) } });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on("error", reject);
      req.write("{");
    });
    expect(status).toBe(403);
    expect(await app.store.hasDelivery("slow-1")).toBe(false);
  });

  it("records a delivery from a listed source, as without an allowlist", async () => {
    const app = await serve(["192.30.252.0/22", "127.0.0.0/8"]);
    const response = await fetch(app.url, { method: "POST", headers: await headers("allowed-1"), body: payload });
    expect(response.status).toBe(202);
    expect(await app.store.hasDelivery("allowed-1")).toBe(true);
    expect(app.lines().join("\n")).not.toContain("webhook refused");
  });
});
