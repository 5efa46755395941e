import { join } from "node:path";
import { openCacheStore } from "../worker/caching/open-cache-store.js";
import type { Logger } from "probot";
import type { Backend } from "../backend/backend.js";
import { createDeliveryPump } from "../dispatch/delivery-pump.js";
import type { GitHubApp } from "../github/github-app.js";
import { createWebhookHandler } from "../ingest/create-webhook-handler.js";
import { DAY_MS, startRetentionSweeps } from "../backend/retention/start-retention-sweeps.js";
import { startSweeps } from "../ingest/redelivery/start-sweeps.js";
import { createRunAccess } from "../report/access/create-run-access.js";
import { createSignInHandler } from "../report/access/create-sign-in-handler.js";
import { createRunPageHandler } from "../report/create-run-page-handler.js";
import { prepareSourceCheck } from "./allowlist/prepare-source-check.js";
import { loadTlsPair } from "./server/load-tls-pair.js";
import { pingHandler, startHttpServer, type WebServer } from "./server/start-http-server.js";
import { startWebhookProxy } from "./server/start-webhook-proxy.js";
import type { Settings } from "./settings/read-settings.js";
import { openSandbox } from "./open-sandbox.js";
import { createCheckRunSyncer } from "../report/check-run-syncer.js";
import { removeWorkspaceLeftovers } from "../worker/remove-workspace-leftovers.js";
import { removeUnusedFiles } from "../worker/remove-unused-files.js";
import { Worker } from "../worker/worker.js";
import { createPrefetch } from "../worker/create-prefetch.js";
import { logProcessorFor } from "../worker/scanning/log-processor-for.js";
import type { WorkerDeps } from "../worker/worker-deps.js";

/**
 * On stop, how long the delivery pump and the sweeps may finish what they hold: GitHub work
 * stuck in retries (an outage) is left to its lease rather than holding the exit for minutes.
 */
const STOP_WAIT_MS = 2_000;

export interface Gantry {
  /** The webhook server's base URL; null for a worker-only node. */
  url: string | null;
  /** Stops taking work, lets running steps finish within the grace period, queues the rest again. */
  stop(): Promise<void>;
}

export interface StartOptions {
  settings: Settings;
  backend: Backend;
  github: GitHubApp;
  log: Logger;
  env: NodeJS.ProcessEnv;
  /** `server`: webhooks, plus a worker unless concurrency is 0; `worker`: runs pipelines only. */
  role: "server" | "worker";
  /** This process (currentNodeId): the owner of every lease it takes and the worker recorded on its runs. */
  nodeId: string;
}

/** The composition root: delivery pump, check-run syncer, workers and (for a server) the webhook server. */
export async function startGantry(options: StartOptions): Promise<Gantry> {
  const { settings, backend, github, log } = options;
  const { store, queue } = backend;
  // a node without a working sandbox takes no work: steps would run unsandboxed without anyone deciding so
  const sandbox = await openSandbox(settings.sandbox, log);
  // before any work starts: a bad certificate or an allowlist that cannot be had stops the start-up here
  const tls = options.role === "server" && settings.tls ? { files: settings.tls, pair: await loadTlsPair(settings.tls) } : null;
  const sourceCheck = options.role === "server" ? await prepareSourceCheck(settings, log) : null;
  const syncer = createCheckRunSyncer({ store, github, log, dataDir: settings.dataDir, publicUrl: settings.publicUrl, nodeId: options.nodeId });
  const deps: WorkerDeps = {
    store,
    queue,
    github,
    log,
    wakeSyncer: () => syncer.wake(),
    dataDir: settings.dataDir,
    gitBaseUrl: settings.gitBaseUrl,
    passEnv: settings.passEnv,
    serverEnv: options.env,
    secretsFile: settings.secretsFile,
    sandbox,
    createLogProcessor: logProcessorFor,
    minFreeBytes: settings.minFreeBytes,
    // each node its own, on its own disk, like its mirrors; a repository cap of 0 is as good as caches off
    ...(settings.cacheMaxBytes > 0 && settings.cacheRepositoryMaxBytes > 0
      ? {
          caches: openCacheStore({
            root: join(settings.dataDir, "caches"),
            maxBytes: settings.cacheMaxBytes,
            repositoryMaxBytes: settings.cacheRepositoryMaxBytes,
            keepFreeBytes: settings.minFreeBytes,
          }),
        }
      : {}),
    nodeId: options.nodeId,
    // with one node (SQLite) its own workers check out what it dispatches; with Redis any node's worker may
    ...(settings.concurrency > 0 && settings.redisUrl === null
      ? { prefetch: createPrefetch({ dataDir: settings.dataDir, gitBaseUrl: settings.gitBaseUrl, github }) }
      : {}),
  };
  const pump = createDeliveryPump(deps);
  const worker = new Worker(deps);

  // before this node takes work: what a crash left in the workspaces folder
  const leftovers = await removeWorkspaceLeftovers({ store, dataDir: settings.dataDir, nodeId: options.nodeId });
  if (leftovers.length > 0) log.info(`removed ${leftovers.length} workspace(s) a previous run of gantry left behind`);
  // Runs queued before a crash whose job never reached the queue are queued now (enqueueing is idempotent).
  for (const run of await store.runsInState("queued")) await queue.enqueue(run.id);
  syncer.start();
  pump.start();
  worker.start(settings.concurrency);
  const retention =
    settings.retentionDays > 0
      ? startRetentionSweeps({
          store,
          dataDir: settings.dataDir,
          retentionMs: settings.retentionDays * DAY_MS,
          log,
          nodeId: options.nodeId,
          // a node that runs pipelines has mirrors and caches of its own, which only it can sweep
          ...(settings.concurrency > 0 ? { sweepFiles: (before: number, signal: AbortSignal) => removeUnusedFiles(deps, before, signal) } : {}),
        })
      : null;

  let server: WebServer | null = null;
  let url: string | null = null;
  let sweeps: { stop(waitMs?: number): Promise<void> } | null = null;
  let proxy: { close(): void } | null = null;
  if (options.role === "server") {
    if (settings.redeliveryIntervalMs > 0) {
      sweeps = startSweeps({ store, github, log, intervalMs: settings.redeliveryIntervalMs, nodeId: options.nodeId });
    }
    const webhooks = createWebhookHandler({ path: settings.webhookPath, secret: settings.webhookSecret, store, log, onRecorded: (recorded) => pump.recorded(recorded), sourceCheck: sourceCheck?.check ?? null });
    if (settings.oauth && !settings.publicUrl) log.warn("GITHUB_CLIENT_ID is set but GANTRY_PUBLIC_URL is not: GitHub cannot send a viewer back, so private repositories' run pages show only the state");
    const access = createRunAccess({ oauth: settings.oauth, publicUrl: settings.publicUrl });
    const signIn = createSignInHandler({ store, oauth: settings.oauth, publicUrl: settings.publicUrl, gitBaseUrl: settings.gitBaseUrl, apiBaseUrl: settings.apiBaseUrl, log });
    ({ server, url } = await startHttpServer({
      port: settings.port,
      host: settings.host,
      handlers: [webhooks, pingHandler, signIn, createRunPageHandler({ store, dataDir: settings.dataDir, access })],
      log,
      tls,
    }));
    log.info(`gantry listening on ${url}${settings.webhookPath}${tls ? ` (TLS certificate ${tls.pair.description})` : ""}`);
    if (settings.webhookProxyUrl) proxy = await startWebhookProxy({ source: settings.webhookProxyUrl, target: `${url}${settings.webhookPath}`, log });
  } else {
    log.info(`gantry worker running ${settings.concurrency} pipeline(s) at a time`);
  }

  return {
    url,
    async stop() {
      proxy?.close();
      if (server) await closeServer(server);
      await Promise.all([sourceCheck?.stop(), sweeps?.stop(STOP_WAIT_MS), retention?.stop(STOP_WAIT_MS), pump.stop(STOP_WAIT_MS)]);
      await worker.stop(settings.shutdownGraceMs);
      // the last states (a run just completed, or queued again) reach GitHub before the process goes
      await syncer.drain(5_000);
      // what the drain could not finish in its time is stuck in GitHub's retries: not waited for again
      await syncer.stop(0);
      await backend.close();
    },
  };
}

function closeServer(server: WebServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
