import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { App } from "./fake.js";
import { baseEnv, freePort, GANTRY_CLI, GANTRY_MAIN, spawnTracked, waitForOutput, type Tracked } from "./processes.js";

export interface GantryNode {
  proc: Tracked;
  /** Base URL of the webhook server (empty for a worker). */
  url: string;
  webhookUrl: string;
}

export interface GantryOptions {
  name: string;
  app: App;
  /** The data directory (SQLite store, logs, workspaces). */
  dataDir: string;
  /** Where its working directory and output file go. */
  scratch: string;
  role?: "server" | "worker";
  /** Settings on top of the bench's defaults (e.g. GANTRY_CONCURRENCY, REDIS_URL). */
  env?: Record<string, string>;
  /** Extra arguments for node itself, e.g. --cpu-prof. */
  nodeArgs?: string[];
}

/**
 * Starts the built app as `npm start` does (`node dist/main.js`), or `gantry worker`, on loopback against the
 * fake GitHub, in a working directory of its own (so no .env is read), logging JSON at info level to a file.
 */
export async function startGantry(options: GantryOptions): Promise<GantryNode> {
  const role = options.role ?? "server";
  // above info, "gantry listening on" is not printed: the server gets a known port and is polled on /ping
  const quiet = role === "server" && !["trace", "debug", "info"].includes(options.env?.["LOG_LEVEL"] ?? "info");
  const port = quiet ? await freePort() : 0;
  const cwd = join(options.scratch, `${options.name}-cwd`);
  mkdirSync(cwd, { recursive: true });
  const env = {
    ...baseEnv(),
    APP_ID: String(options.app.appId),
    PRIVATE_KEY: options.app.privateKey,
    WEBHOOK_SECRET: options.app.secret,
    GHE_HOST: options.app.gheHost,
    GHE_PROTOCOL: "http",
    HOST: "127.0.0.1",
    PORT: String(port),
    LOG_FORMAT: "json",
    LOG_LEVEL: "info",
    GANTRY_DATA_DIR: options.dataDir,
    GANTRY_REDELIVERY_INTERVAL_SECONDS: "0",
    GANTRY_SHUTDOWN_GRACE_SECONDS: "2",
    ...options.env,
  };
  const script = role === "server" ? [GANTRY_MAIN] : [GANTRY_CLI, "worker"];
  const proc = spawnTracked(options.name, process.execPath, [...(options.nodeArgs ?? []), ...script], {
    env,
    cwd,
    logPath: join(options.scratch, `${options.name}.log`),
  });
  if (role === "worker") {
    await waitForOutput(proc, /gantry worker running/);
    return { proc, url: "", webhookUrl: "" };
  }
  const url = quiet ? await waitForPing(proc, `http://127.0.0.1:${port}`) : (await waitForOutput(proc, /gantry listening on (http:\/\/[^\s"/]+)/))[1]!;
  return { proc, url, webhookUrl: `${url}/api/github/webhooks` };
}

async function waitForPing(proc: Tracked, url: string, timeoutMs = 30_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const pong = await fetch(`${url}/ping`).then((r) => r.ok, () => false);
    if (pong) return url;
    if (Date.now() > end) throw new Error(`${proc.name} did not answer ${url}/ping within ${timeoutMs} ms:\n${proc.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The ingestion baselines in bench/servers/ (<kind>-server.ts). */
export type BaselineKind = "raw" | "probot" | "probot-default";

/**
 * One of the ingestion baselines, started like gantry (own process, output to a file, the LOG_LEVEL and
 * LOG_FORMAT gantry gets: `logLevel` should be the one gantry's run was given).
 */
export async function startBaseline(kind: BaselineKind, app: App, scratch: string, name: string = kind, logLevel = "info"): Promise<GantryNode> {
  const port = await freePort();
  const file = new URL(`./servers/${kind}-server.js`, import.meta.url).pathname;
  const cwd = join(scratch, `${name}-cwd`);
  mkdirSync(cwd, { recursive: true });
  const proc = spawnTracked(name, process.execPath, [file], {
    env: {
      ...baseEnv(),
      PORT: String(port),
      APP_ID: String(app.appId),
      PRIVATE_KEY: app.privateKey,
      WEBHOOK_SECRET: app.secret,
      HOST: "127.0.0.1",
      LOG_FORMAT: "json",
      LOG_LEVEL: logLevel,
    },
    cwd,
    logPath: join(scratch, `${name}.log`),
  });
  const url = (await waitForOutput(proc, /listening on (http:\/\/[^\s"/]+)/))[1]!;
  return { proc, url, webhookUrl: `${url}/api/github/webhooks` };
}
