import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { createAppKey } from "../fake-github/app-key.js";
import { startFakeGitHub, type CheckRunRecord, type FakeGitHub, type HostedRepo } from "../fake-github/fake-github.js";
import { sendDelivery, type SendResult } from "../../src/cli/send-delivery.js";
import { ZERO_SHA, type GitIdentity } from "../helpers/git-repo.js";
import { pushPayload } from "../helpers/push-payload.js";
import { startApp, type RunningApp } from "../helpers/start-app.js";
import { freePort } from "../helpers/free-port.js";

export const SECRET = "e2e-webhook-secret";
export const APP_ID = 4242;

export interface Stack {
  fake: FakeGitHub;
  app: RunningApp;
  privateKey: string;
  /** A new repository on the fake GitHub (public unless `private`), with `.github/gantry.yml` and other files in its first commit. */
  repo(name: string, files: Record<string, string>, options?: { private?: boolean }): Promise<HostedRepo>;
  /** Commits, pushes to the bare repository, and delivers the matching signed push event. */
  push(repo: HostedRepo, options: PushOptions): Promise<{ sha: string; before: string; delivery: SendResult; payload: string }>;
  deliver(payload: string, options?: { event?: string; deliveryId?: string; secret?: string }): Promise<SendResult>;
  /** Stops the app with `signal` (SIGKILL: a crash) and starts it again on the same data directory, with `env` on top from now on. */
  restart(signal: NodeJS.Signals, env?: Record<string, string>): Promise<void>;
  /** Starts a `gantry worker` process with the app's settings and `env` on top; stopped with the stack. */
  startWorker(env?: Record<string, string>): Promise<RunningApp>;
  completed(repo: HostedRepo, sha: string, name: string, timeoutMs?: number): Promise<CheckRunRecord>;
  stop(): Promise<void>;
}

export interface PushOptions {
  ref?: string;
  files?: Record<string, string | null>;
  message?: string;
  author?: GitIdentity & { username?: string };
  /** Push this existing commit instead of making a new one. */
  sha?: string;
}

/** The real app (built, as `npm start` runs it) against a fake GitHub serving real git repositories. */
export async function startStack(
  env: Record<string, string> = {},
  options: {
    beforeApp?: (fake: FakeGitHub) => void | Promise<void>;
    /** The App's key in this file (PRIVATE_KEY_PATH), not in the environment. */
    keyFile?: string;
    /**
     * Give the app the fake's OAuth client (GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET), as Probot's setup would, and
     * (unless `env` sets one) its own address as GANTRY_PUBLIC_URL: the sign-in's callback must reach it.
     */
    oauth?: boolean;
  } = {},
): Promise<Stack> {
  const { privateKey, publicKey } = createAppKey();
  const reposRoot = await mkdtemp(join(tmpdir(), "gantry-e2e-repos-"));
  const fake = await startFakeGitHub({ appId: APP_ID, publicKey, reposRoot });
  await options.beforeApp?.(fake);
  if (options.keyFile) await writeFile(options.keyFile, privateKey);
  const appEnv = {
    APP_ID: String(APP_ID),
    ...(options.keyFile ? { PRIVATE_KEY_PATH: options.keyFile } : { PRIVATE_KEY: privateKey }),
    WEBHOOK_SECRET: SECRET,
    GHE_HOST: fake.host,
    GHE_PROTOCOL: "http",
    ...(options.oauth ? { GITHUB_CLIENT_ID: fake.oauthClient.clientId, GITHUB_CLIENT_SECRET: fake.oauthClient.clientSecret } : {}),
    ...(options.oauth && env["GANTRY_PUBLIC_URL"] === undefined ? await ownPublicUrl() : {}),
    ...env,
  };
  const dataDir = join(reposRoot, "..", `${basename(reposRoot)}-data`);
  const app = await startApp(appEnv, { dataDir });
  let counter = 0;
  const workers: RunningApp[] = [];
  const stack: Stack = {
    fake,
    app,
    privateKey,
    async repo(name, files, options = {}) {
      const repo = await fake.createRepo("octo", name, { private: options.private ?? false });
      await repo.push("refs/heads/main", await repo.commit(files, "Initial commit"));
      return repo;
    },
    async push(repo, options) {
      const ref = options.ref ?? "refs/heads/main";
      const message = options.message ?? `change ${++counter}`;
      const author = options.author ?? { name: "Mona Lisa", email: "mona@example.com", username: "mona" };
      const sha = options.sha ?? (await repo.commit(options.files ?? { [`file-${++counter}.txt`]: String(counter) }, message, author));
      const { before } = await repo.push(ref, sha);
      const files = before === ZERO_SHA ? null : await repo.changedFiles(before, sha);
      const payload = JSON.stringify(
        pushPayload({
          owner: repo.owner,
          repo: repo.name,
          repoId: repo.id,
          private: repo.private,
          installationId: repo.installationId,
          ref,
          before,
          after: sha,
          commits: [
            {
              id: sha,
              message,
              author: { name: author.name, email: author.email, ...(author.username ? { username: author.username } : {}) },
              ...(files ? { modified: files } : {}),
            },
          ],
        }),
      );
      return { sha, before, delivery: await stack.deliver(payload), payload };
    },
    deliver(payload, options = {}) {
      return sendDelivery({
        url: stack.app.webhookUrl,
        secret: options.secret ?? SECRET,
        event: options.event ?? "push",
        payload,
        ...(options.deliveryId ? { deliveryId: options.deliveryId } : {}),
      });
    },
    completed(repo, sha, name, timeoutMs = 30_000) {
      return fake.waitFor(
        () => fake.checkRunsFor(repo.owner, repo.name).find((c) => c.head_sha === sha && c.name === name && c.status === "completed"),
        timeoutMs,
      );
    },
    async restart(signal, env = {}) {
      await stack.app.stop(signal);
      Object.assign(appEnv, env);
      stack.app = await startApp(appEnv, { dataDir });
    },
    async startWorker(env = {}) {
      const worker = await startApp({ ...appEnv, ...env }, { role: "worker" });
      workers.push(worker);
      return worker;
    },
    async stop() {
      await Promise.all(workers.map((worker) => worker.stop("SIGKILL")));
      await stack.app.stop();
      await fake.close();
      await rm(reposRoot, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** A free loopback port for the app and the public URL that names it (the app's URL is known only once it listens). */
async function ownPublicUrl(): Promise<{ PORT: string; GANTRY_PUBLIC_URL: string }> {
  const port = await freePort();
  return { PORT: String(port), GANTRY_PUBLIC_URL: `http://127.0.0.1:${port}` };
}

/** Waits until the app has logged a line matching `pattern` (the app's logs are JSON, one object a line). */
export async function waitForLog(app: RunningApp, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const line = app.output().split("\n").find((l) => pattern.test(l));
    if (line) return line;
    if (Date.now() > end) throw new Error(`no log line matched ${pattern}; output:\n${app.output().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The text of the first run log in the data directory that matches `pattern`: how a test reads what a sandboxed step
 * printed while it runs (the step cannot write anywhere the test could look, but its workspace).
 */
export async function runLogMatching(dataDir: string, pattern: RegExp): Promise<string | null> {
  return (await runLogsMatching(dataDir, pattern))[0] ?? null;
}

/** The texts of every attempt's log in the data directory (logs/<run>/<attempt>.log) that matches `pattern`. */
export async function runLogsMatching(dataDir: string, pattern: RegExp): Promise<string[]> {
  const dir = join(dataDir, "logs");
  const found: string[] = [];
  for (const run of await readdir(dir).catch(() => [])) {
    for (const name of await readdir(join(dir, run)).catch(() => [])) {
      if (!name.endsWith(".log")) continue;
      const text = await readFile(join(dir, run, name), "utf8").catch(() => "");
      if (pattern.test(text)) found.push(text);
    }
  }
  return found;
}
