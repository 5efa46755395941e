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
    } finally {
      app.child.kill("SIGKILL");
      await app.exited;
    }
  });
});
