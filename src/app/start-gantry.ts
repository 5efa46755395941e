import type { Logger } from "probot";
import type { Backend } from "../backend/backend.js";
import { createDeliveryPump } from "../dispatch/delivery-pump.js";
import type { GitHubApp } from "../github/github-app.js";
import { createWebhookHandler } from "../ingest/create-webhook-handler.js";
import { startSweeps } from "../ingest/redelivery/start-sweeps.js";
import { createRunPageHandler } from "../report/create-run-page-handler.js";
import { allowEveryone } from "../report/run-page/run-access.js";
import { prepareSourceCheck } from "./allowlist/prepare-source-check.js";
import { loadTlsPair } from "./server/load-tls-pair.js";
import { pingHandler, startHttpServer, type WebServer } from "./server/start-http-server.js";
import { startWebhookProxy } from "./server/start-webhook-proxy.js";
import type { Settings } from "./settings/read-settings.js";
import { openSandbox } from "./open-sandbox.js";
import { createCheckRunSyncer } from "../report/check-run-syncer.js";
import { Worker } from "../worker/worker.js";
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
    nodeId: options.nodeId,
  };
  const pump = createDeliveryPump(deps);
  const worker = new Worker(deps);

  // Runs queued before a crash whose job never reached the queue are queued now (enqueueing is idempotent).
  for (const run of await store.runsInState("queued")) await queue.enqueue(run.id);
  syncer.start();
  pump.start();
  worker.start(settings.concurrency);

  let server: WebServer | null = null;
  let url: string | null = null;
  let sweeps: { stop(waitMs?: number): Promise<void> } | null = null;
  let proxy: { close(): void } | null = null;
  if (options.role === "server") {
    if (settings.redeliveryIntervalMs > 0) {
      sweeps = startSweeps({ store, github, log, intervalMs: settings.redeliveryIntervalMs, nodeId: options.nodeId });
    }
    const webhooks = createWebhookHandler({ path: settings.webhookPath, secret: settings.webhookSecret, store, log, onRecorded: () => pump.wake(), sourceCheck: sourceCheck?.check ?? null });
    ({ server, url } = await startHttpServer({
      port: settings.port,
      host: settings.host,
      handlers: [webhooks, pingHandler, createRunPageHandler({ store, dataDir: settings.dataDir, access: allowEveryone })],
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
      await Promise.all([sourceCheck?.stop(), sweeps?.stop(STOP_WAIT_MS), pump.stop(STOP_WAIT_MS)]);
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
