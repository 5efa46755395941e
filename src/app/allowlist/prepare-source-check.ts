import type { Logger } from "probot";
import type { Settings } from "../settings/read-settings.js";
import type { SourceCheck } from "../../ingest/create-webhook-handler.js";
import { createSourceCheck } from "./create-source-check.js";
import { prepareAddressList } from "./prepare-address-list.js";
import { startGitHubAllowlist } from "./start-github-allowlist.js";

/** The webhook path's source check from the settings; null without GANTRY_IP_ALLOWLIST (anyone may deliver). */
export async function prepareSourceCheck(
  settings: Pick<Settings, "ipAllowlist" | "trustedProxies" | "apiBaseUrl" | "dataDir">,
  log: Logger,
): Promise<{ check: SourceCheck; stop(): Promise<void> } | null> {
  if (settings.ipAllowlist === null) {
    if (settings.trustedProxies.length > 0) log.warn("GANTRY_TRUSTED_PROXIES is set but GANTRY_IP_ALLOWLIST is not: no source is checked");
    return null;
  }
  const trustedProxies = prepareAddressList(settings.trustedProxies);
  if (settings.ipAllowlist !== "github") {
    const allowed = prepareAddressList(settings.ipAllowlist);
    log.info(`IP allowlist: ${allowed.size} range(s) from GANTRY_IP_ALLOWLIST`);
    return { check: createSourceCheck({ allowed: () => allowed, trustedProxies }), stop: async () => {} };
  }
  const github = await startGitHubAllowlist({ apiBaseUrl: settings.apiBaseUrl, dataDir: settings.dataDir, log });
  return { check: createSourceCheck({ allowed: github.current, trustedProxies }), stop: github.stop };
}
