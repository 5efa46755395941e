import { Redis } from "ioredis";
import type { Backend } from "../backend/backend.js";
import { openRedisBackend } from "../backend/open-redis-backend.js";
import { openSqliteBackend } from "../backend/open-sqlite-backend.js";
import { currentNodeId } from "../runs/node-id.js";
import { githubAppFromProbot } from "../github/github-app.js";
import { checkSecretsFile } from "./settings/check-secrets-file.js";
import { readAppCredentials } from "./settings/read-app-credentials.js";
import { SettingsError, type Settings } from "./settings/read-settings.js";
import { startGantry, type Gantry } from "./start-gantry.js";
import { createProbotApp } from "./create-probot-app.js";
import { sharedThrottle } from "./shared-throttle.js";

/**
 * Starts a gantry node of the given role from settings: Probot (auth, logger), the backend the settings ask
 * for, then the node itself; SIGTERM and SIGINT stop it gracefully.
 */
export async function startNode(settings: Settings, env: NodeJS.ProcessEnv, role: "server" | "worker"): Promise<Gantry> {
  // a bad or missing id or key is one line naming the setting, not Probot's stack trace
  if (readAppCredentials(env) === null) {
    throw new SettingsError("APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) are not set: set them to your GitHub App's id and private key (without NODE_ENV=production, `npm start` without any of them opens Probot's setup page, which registers the app)");
  }
  // before anything opens a connection that would keep a refused process alive; warnings wait for the logger
  const secretsWarnings: string[] = [];
  await checkSecretsFile(settings.secretsFile, { warn: (msg) => secretsWarnings.push(msg) }, env);
  // with Redis, every node shares one write throttle per installation, as GitHub counts them
  const throttleRedis = settings.redisUrl ? new Redis(settings.redisUrl, { maxRetriesPerRequest: 3 }) : null;
  const probot = createProbotApp(env, throttleRedis ? sharedThrottle(throttleRedis) : undefined);
  await probot.ready();
  const log = probot.log;
  for (const warning of secretsWarnings) log.warn(warning);
  if (!env["WEBHOOK_SECRET"] && role === "server") {
    log.warn('WEBHOOK_SECRET is not set: accepting deliveries signed with "development" (refused with NODE_ENV=production)');
  }
  const nodeId = currentNodeId();
  const backend: Backend = settings.redisUrl
    ? await openRedisBackend({ url: settings.redisUrl, lockMs: settings.workerLockMs, log, nodeId })
    : await openSqliteBackend(settings.dataDir, log, nodeId);
  const gantry = await startGantry({ settings, backend, github: githubAppFromProbot(probot), log, env, role, nodeId });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping (running steps get ${settings.shutdownGraceMs / 1000}s to finish)`);
    gantry.stop().then(async () => {
      await throttleRedis?.quit();
    }).then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  return gantry;
}
