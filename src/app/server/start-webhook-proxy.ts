import type { Logger } from "probot";

/**
 * smee-client is optional, as it is for Probot (node_modules/probot/lib/helpers/webhook-proxy.js imports
 * `smee-client@5.0.0` when installed): only a developer's machine needs it. Not a literal, so that the
 * type-check does not look for it.
 */
const SMEE_CLIENT: string = "smee-client";

interface SmeeClientModule {
  SmeeClient: new (options: { source: string; target: string; logger: Logger }) => { start(): Promise<{ close(): void }> | { close(): void } };
}

/**
 * Forwards the deliveries GitHub posts to a smee.io channel (WEBHOOK_PROXY_URL) to this server's webhook path,
 * so that a server on a laptop gets them; each is verified and recorded like any other. Null when smee-client
 * is not installed: a warning says how to install it.
 */
export async function startWebhookProxy(options: { source: string; target: string; log: Logger }): Promise<{ close(): void } | null> {
  // the channel's URL is all it takes to read its deliveries: only its host is logged
  const channel = new URL(options.source).host;
  let module: SmeeClientModule;
  try {
    module = (await import(SMEE_CLIENT)) as SmeeClientModule;
  } catch {
    options.log.warn(`WEBHOOK_PROXY_URL is set, but smee-client is not installed, so nothing arrives from ${channel}: run \`npm install --no-save smee-client@5\``);
    return null;
  }
  const events = await new module.SmeeClient({ source: options.source, target: options.target, logger: options.log.child({ name: "smee" }) }).start();
  options.log.info(`forwarding deliveries from ${channel} to ${options.target}`);
  return events;
}
