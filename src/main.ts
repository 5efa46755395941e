#!/usr/bin/env node
import { config as loadDotenv } from "dotenv";
import { createProbot, run } from "probot";
import { githubAppFromProbot } from "./github/github-app.js";
import { readSettings, SettingsError } from "./settings/read-settings.js";
import { startGantry } from "./start-gantry.js";

/** `npm start`: the webhook server with its workers, or Probot's setup page when the app is not registered yet. */
async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  const env = process.env;
  const settings = readSettings(env);
  const hasCredentials = Boolean(env["APP_ID"]) && Boolean(env["PRIVATE_KEY"] || env["PRIVATE_KEY_PATH"]);
  if (!hasCredentials && !settings.production) {
    // Probot's own manifest flow registers the app from app.yml and writes APP_ID and the key to .env
    await run(() => {});
    return;
  }
  const probot = createProbot({ env: { LOG_LEVEL: "info", ...env } });
  await probot.ready();
  if (!env["WEBHOOK_SECRET"]) {
    probot.log.warn('WEBHOOK_SECRET is not set: accepting deliveries signed with "development" (refused with NODE_ENV=production)');
  }
  const gantry = await startGantry({ settings, github: githubAppFromProbot(probot), log: probot.log, env });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    probot.log.info(`${signal}: stopping`);
    gantry.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        probot.log.error({ err: error }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof SettingsError) {
    console.error(`gantry: ${error.message}`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
