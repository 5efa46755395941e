import { spawn } from "node:child_process";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const APP_YML = fileURLToPath(new URL("../app.yml", import.meta.url));
const dirs: string[] = [];

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

function start(env: Record<string, string>, cwd: string) {
  const child = spawn(process.execPath, [MAIN], { cwd, env: { PATH: process.env["PATH"]!, HOME: cwd, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, exited, output: () => output };
}

describe("npm start (dist/main.js)", () => {
  it("refuses to start in production without WEBHOOK_SECRET, naming it", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "gantry-main-"));
    dirs.push(cwd);
    const app = start({ NODE_ENV: "production", APP_ID: "1", PRIVATE_KEY: "not-used", HOST: "127.0.0.1", PORT: String(await freePort()) }, cwd);
    expect(await app.exited).toBe(1);
    expect(app.output()).toContain("WEBHOOK_SECRET is not set");
  });

  it("serves Probot's setup page from app.yml when the app has no credentials yet", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "gantry-main-"));
    dirs.push(cwd);
    await copyFile(APP_YML, join(cwd, "app.yml"));
    const port = await freePort();
    const app = start({ HOST: "127.0.0.1", PORT: String(port) }, cwd);
    try {
      let page = "";
      for (let i = 0; i < 100 && !page; i++) {
        page = await fetch(`http://127.0.0.1:${port}/probot`).then((r) => (r.ok ? r.text() : ""), () => "");
        if (!page) await new Promise((r) => setTimeout(r, 100));
      }
      expect(page).toContain("Register GitHub App");
      expect(page).toContain('"default_permissions":{"checks":"write","contents":"read","metadata":"read"}');
      expect(page).not.toContain("example.com");
      expect(app.output()).toContain("neither GANTRY_PUBLIC_URL nor WEBHOOK_PROXY_URL is set");
    } finally {
      app.child.kill("SIGKILL");
      await app.exited;
    }
  });

  // GitHub must be able to reach the webhook URL the app is registered with: not localhost, not example.com
  it.each([
    ["GANTRY_PUBLIC_URL", { GANTRY_PUBLIC_URL: "https://gantry.example.test/", WEBHOOK_PATH: "/hooks/github" }, "https://gantry.example.test/hooks/github"],
    ["WEBHOOK_PROXY_URL", { WEBHOOK_PROXY_URL: "https://smee.io/gantry-test-channel" }, "https://smee.io/gantry-test-channel"],
  ])("the setup page registers the app with the webhook URL from %s, and shows it for an existing app", async (_name, env, webhookUrl) => {
    const cwd = await mkdtemp(join(tmpdir(), "gantry-main-"));
    dirs.push(cwd);
    await copyFile(APP_YML, join(cwd, "app.yml"));
    const port = await freePort();
    const app = start({ HOST: "127.0.0.1", PORT: String(port), ...env }, cwd);
    try {
      const base = `http://127.0.0.1:${port}`;
      let page = "";
      for (let i = 0; i < 100 && !page; i++) {
        page = await fetch(`${base}/probot`).then((r) => (r.ok ? r.text() : ""), () => "");
        if (!page) await new Promise((r) => setTimeout(r, 100));
      }
      // the manifest the page posts to GitHub's "register a GitHub App" form
      const manifest = JSON.parse(/name="manifest" id="manifest" value='([^']*)'/.exec(page)![1]!) as { hook_attributes: { url: string } };
      expect(manifest.hook_attributes).toEqual({ url: webhookUrl });
      const existing = await fetch(`${base}/probot/import`).then((r) => r.text());
      expect(existing).toMatch(new RegExp(`Replace your app's Webhook URL with <br>\\s*<b>${webhookUrl.replace(/[.]/g, "\\.")}</b>`));
      expect(app.output()).not.toContain("neither GANTRY_PUBLIC_URL nor WEBHOOK_PROXY_URL is set");
    } finally {
      app.child.kill("SIGKILL");
      await app.exited;
    }
  });
});
