#!/usr/bin/env node
import { config as loadDotenv } from "dotenv";
import { runSetup } from "./app/run-setup.js";
import { startNode } from "./app/start-node.js";
import { readAppCredentials } from "./app/settings/read-app-credentials.js";
import { readSettings, SettingsError } from "./app/settings/read-settings.js";

/** `npm start`: the webhook server with its workers, or Probot's setup page when the app is not registered yet. */
async function main(): Promise<void> {
  loadDotenv({ quiet: true });
  const env = process.env;
  const settings = readSettings(env);
  if (readAppCredentials(env) === null && !settings.production) {
    await runSetup(settings, env, (line) => console.warn(`gantry: ${line}`));
    return;
  }
  await startNode(settings, env, "server");
}

main().catch((error: unknown) => {
  // gantry's own start-up errors say what to do; anything else is a bug worth its stack
  if (error instanceof SettingsError) console.error(`gantry: ${error.message}`);
  else if (error instanceof Error && error.message.startsWith("gantry: ")) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
