import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createAppKey } from "../fake-github/app-key.js";
import { startApp, type RunningApp } from "../helpers/start-app.js";

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A secrets file whose line 5 holds a literal too short to mask. */
async function malformedSecretsFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gantry-secrets-start-"));
  dirs.push(dir);
  const path = join(dir, "secrets.yml");
  await writeFile(path, 'environments:\n  production:\n    repositories: ["acme/*"]\n    secrets:\n      TOKEN: "q7x"\n', { mode: 0o600 });
  return path;
}

/** An app that started after all is stopped, so a failing test leaves nothing running. */
async function stopStarted(app: RunningApp): Promise<null> {
  await app.stop("SIGKILL");
  return null;
}

describe("start-up with a malformed secrets file", () => {
  // startApp rejects with the exit code and everything the process printed when it exits before listening
  it("npm start (dist/main.js) refuses to start, naming the line, without the value", async () => {
    const path = await malformedSecretsFile();
    const refused = await startApp({ APP_ID: "99", PRIVATE_KEY: createAppKey().privateKey, GANTRY_SECRETS_FILE: path }).then(stopStarted, (error: unknown) => (error as Error).message);
    expect(refused).toMatch(/^app exited with 1 before listening:/);
    expect(refused).toContain(`gantry: GANTRY_SECRETS_FILE: ${path} is not a valid secrets file:\n${path}:5:14: environments.production.secrets.TOKEN: is shorter than 4 characters`);
    expect(refused).not.toContain("q7x");
  });

  it("gantry worker refuses too, before it connects to Redis", async () => {
    const path = await malformedSecretsFile();
    // nothing listens on port 1: a worker that got as far as Redis would retry instead of exiting
    const refused = await startApp(
      { APP_ID: "99", PRIVATE_KEY: createAppKey().privateKey, GANTRY_SECRETS_FILE: path, REDIS_URL: "redis://127.0.0.1:1" },
      { role: "worker" },
    ).then(stopStarted, (error: unknown) => (error as Error).message);
    expect(refused).toMatch(/^app exited with 2 before listening:/);
    expect(refused).toContain(`${path}:5:14: environments.production.secrets.TOKEN: is shorter than 4 characters`);
  });
});
