import { copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Socket } from "node:net";
import { connect, type TLSSocket } from "node:tls";
import { sign } from "@octokit/webhooks-methods";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostedRepo } from "../fake-github/fake-github.js";
import { eventually } from "../helpers/eventually.js";
import { pushPayload } from "../helpers/push-payload.js";
import { createSelfSignedCert, type SelfSigned } from "../helpers/self-signed-cert.js";
import { startApp } from "../helpers/start-app.js";
import { SECRET, startStack, waitForLog, type Stack } from "./stack.js";

let dir: string;
let first: SelfSigned;
let renewed: SelfSigned;
let served: { certPath: string; keyPath: string };
let stack: Stack;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gantry-tls-"));
  first = await createSelfSignedCert(join(dir, "first"), 0x1001);
  renewed = await createSelfSignedCert(join(dir, "renewed"), 0x1002);
  // the files gantry serves from, renewed in place later as certbot would
  served = { certPath: join(dir, "cert.pem"), keyPath: join(dir, "key.pem") };
  await copyFile(first.certPath, served.certPath);
  await copyFile(first.keyPath, served.keyPath);
  stack = await startStack({ TLS_CERT: served.certPath, TLS_KEY: served.keyPath });
});
afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** The certificate a new TLS connection to the app is shown. */
async function presentedFingerprint(): Promise<string> {
  const { port } = new URL(stack.app.url);
  const socket: TLSSocket = connect({ host: "127.0.0.1", port: Number(port), rejectUnauthorized: false });
  try {
    await new Promise<void>((resolve, reject) => socket.once("secureConnect", resolve).once("error", reject));
    return socket.getPeerCertificate().fingerprint256;
  } finally {
    socket.destroy();
  }
}

interface Answer {
  status: number;
  body: string;
  socket: Socket;
}

/** One HTTPS request through `agent` (which trusts the test's certificates); says which connection carried it. */
function send(agent: Agent, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${stack.app.url}${path}`, { agent, method: options.method ?? "GET", headers: options.headers ?? {} }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, socket: req.socket! }));
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

/** A commit pushed to the fake GitHub, and the push event GitHub would send for it. */
async function pushed(repo: HostedRepo, message: string): Promise<{ sha: string; payload: string }> {
  const sha = await repo.commit({ "file.txt": message }, message);
  const { before } = await repo.push("refs/heads/main", sha);
  return { sha, payload: JSON.stringify(pushPayload({ owner: repo.owner, repo: repo.name, repoId: repo.id, installationId: repo.installationId, ref: "refs/heads/main", before, after: sha, commits: [{ id: sha, message }] })) };
}

/** The push event, signed as GitHub signs it, over `agent`. */
async function deliver(agent: Agent, payload: string): Promise<Answer> {
  return send(agent, "/api/github/webhooks", {
    method: "POST",
    headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": crypto.randomUUID(), "x-hub-signature-256": await sign(SECRET, payload) },
    body: payload,
  });
}

describe("HTTPS with TLS_CERT and TLS_KEY", () => {
  it("serves deliveries over TLS and takes a renewed certificate for new connections while an open one stays up", async () => {
    expect(stack.app.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(stack.app.output()).toMatch(/gantry listening on https:\/\/127\.0\.0\.1:\d+\/api\/github\/webhooks \(TLS certificate serial 1001, /);
    expect(await presentedFingerprint()).toBe(first.fingerprint);
    // plain HTTP is not served on the port
    await expect(fetch(stack.app.url.replace("https:", "http:") + "/ping")).rejects.toThrow();

    const keptAlive = new Agent({ keepAlive: true, maxSockets: 1, ca: [first.cert, renewed.cert] });
    // three pushes to one branch in a few seconds: none may cancel another
    const repo = await stack.repo("tls", { ".github/gantry.yml": "pipelines:\n  hello:\n    cancel_superseded: false\n    steps:\n      - run: echo over tls\n" });
    const before = await pushed(repo, "before renewal");
    const first202 = await deliver(keptAlive, before.payload);
    expect(first202.status).toBe(202);
    const connection = first202.socket as TLSSocket;
    expect(connection.getPeerCertificate().fingerprint256).toBe(first.fingerprint);

    // the connection is in use throughout (idle keep-alive connections are closed after 5 s, as node does)
    const pings: Answer[] = [];
    let during: { sha: string; payload: string } | undefined;
    let pinging = true;
    const pinger = (async () => {
      while (pinging) {
        pings.push(await send(keptAlive, "/ping"));
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    try {
      // a renewal that went wrong (a half-written file): logged, the old certificate still served
      await writeFile(served.certPath, first.cert.slice(0, 200));
      await waitForLog(stack.app, /TLS certificate not reloaded, still serving the previous one: TLS_CERT: .* is not a PEM certificate/, 30_000);
      expect(await presentedFingerprint()).toBe(first.fingerprint);

      await copyFile(renewed.keyPath, served.keyPath);
      await copyFile(renewed.certPath, served.certPath);
      await waitForLog(stack.app, /TLS certificate reloaded \(serial 1002, /, 30_000);
      await eventually("the renewed certificate on a new connection", async () => (await presentedFingerprint()) === renewed.fingerprint, 30_000);
      during = await pushed(repo, "on the old connection");
    } finally {
      pinging = false;
      await pinger;
    }
    expect(pings.length).toBeGreaterThan(3);
    expect(pings.every((ping) => ping.status === 200 && ping.body === "PONG")).toBe(true);
    expect(pings.every((ping) => ping.socket === connection)).toBe(true);

    // the open connection still carries deliveries (with the certificate it began with), and a new one too
    const onOldConnection = await deliver(keptAlive, during!.payload);
    expect(onOldConnection.status).toBe(202);
    expect(onOldConnection.socket).toBe(connection);
    expect(connection.getPeerCertificate().fingerprint256).toBe(first.fingerprint);
    keptAlive.destroy();
    const after = await pushed(repo, "on a new connection");
    const onNewConnection = await deliver(new Agent({ keepAlive: false, ca: renewed.cert }), after.payload);
    expect(onNewConnection.status).toBe(202);
    expect((onNewConnection.socket as TLSSocket).getPeerCertificate().fingerprint256).toBe(renewed.fingerprint);

    for (const { sha } of [before, during!, after]) expect((await stack.completed(repo, sha, "hello")).conclusion).toBe("success");
  });

  it("does not start with a certificate it cannot read, naming the setting and the file", async () => {
    const missing = join(dir, "missing.pem");
    const start = startApp({ APP_ID: "1", PRIVATE_KEY: stack.privateKey, WEBHOOK_SECRET: SECRET, TLS_CERT: missing, TLS_KEY: served.keyPath });
    // an app that did start (the defect this test is for) is stopped, not left running
    const error = (await start.then(async (app) => void (await app.stop("SIGKILL")), (e: unknown) => e)) as Error | undefined;
    expect(error?.message).toContain("app exited with 1 before listening");
    expect(error?.message).toContain(`gantry: TLS_CERT: cannot read "${missing}" (ENOENT)`);
  });
});
