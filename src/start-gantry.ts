import { hostname } from "node:os";
import type { Server } from "node:http";
import type { Logger } from "probot";
import { DeliveryPump } from "./dispatch/delivery-pump.js";
import type { GitHubApp } from "./github/github-app.js";
import { createWebhookHandler } from "./ingest/create-webhook-handler.js";
import { SqliteQueue } from "./queue/sqlite-queue.js";
import { createRunPageHandler } from "./server/create-run-page-handler.js";
import { pingHandler, startHttpServer } from "./server/start-http-server.js";
import type { Settings } from "./settings/read-settings.js";
import { openDatabase } from "./storage/open-database.js";
import { SqliteStore } from "./storage/sqlite-store.js";
import { runPipeline, type WorkerDeps } from "./worker/run-pipeline.js";

export interface Gantry {
  url: string;
  stop(): Promise<void>;
}

/** The composition root: one store, one queue, the delivery pump, the workers and the webhook server. */
export async function startGantry(options: { settings: Settings; github: GitHubApp; log: Logger; env: NodeJS.ProcessEnv }): Promise<Gantry> {
  const { settings, github, log } = options;
  const db = openDatabase(settings.dataDir);
  const store = new SqliteStore(db);
  const queue = new SqliteQueue(db, {
    consumerId: `${hostname()}:${process.pid}`,
    onError: (error, runId) => log.error({ err: error, run: runId }, "run failed unexpectedly"),
  });
  const deps: WorkerDeps = {
    store,
    queue,
    github,
    log,
    publicUrl: settings.publicUrl,
    dataDir: settings.dataDir,
    gitBaseUrl: settings.gitBaseUrl,
    passEnv: settings.passEnv,
    serverEnv: options.env,
  };
  const pump = new DeliveryPump(deps);
  if (settings.concurrency > 0) queue.consume((runId) => runPipeline(deps, runId), settings.concurrency);
  pump.start();

  const webhooks = createWebhookHandler({
    path: settings.webhookPath,
    secret: settings.webhookSecret,
    store,
    log,
    onRecorded: () => pump.wake(),
  });
  const { server, url } = await startHttpServer({ port: settings.port, host: settings.host, handlers: [webhooks, pingHandler, createRunPageHandler({ store, dataDir: settings.dataDir })], log });
  log.info(`gantry listening on ${url}${settings.webhookPath}`);

  return {
    url,
    async stop() {
      await closeServer(server);
      await pump.stop();
      await queue.stop();
      await store.close();
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
