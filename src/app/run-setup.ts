import { run } from "probot";
import type { Settings } from "./settings/read-settings.js";

/**
 * Probot's setup page, for an app that is not registered yet: it registers one from app.yml and writes its
 * id and key to .env. Probot's manifest takes the webhook URL from WEBHOOK_PROXY_URL (or from a smee.io
 * channel it creates when smee-client is installed) and its "Use existing GitHub App" page shows it as the
 * URL to set; gantry's public URL is the one to give GitHub when there is one. Probot's server itself is
 * not told of WEBHOOK_PROXY_URL: it would forward deliveries to a setup page that cannot take them.
 */
export async function runSetup(settings: Settings, env: NodeJS.ProcessEnv, warn: (line: string) => void): Promise<void> {
  const webhookUrl = settings.webhookProxyUrl ?? (settings.publicUrl ? `${settings.publicUrl}${settings.webhookPath}` : null);
  if (webhookUrl) process.env["WEBHOOK_PROXY_URL"] = webhookUrl;
  else warn("neither GANTRY_PUBLIC_URL nor WEBHOOK_PROXY_URL is set: GitHub cannot reach a server on localhost (see \"Getting deliveries to your machine\" in the README)");
  const { WEBHOOK_PROXY_URL: _proxy, ...serverEnv } = env;
  await run(() => {}, { env: serverEnv });
}
