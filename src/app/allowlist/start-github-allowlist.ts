import { join } from "node:path";
import type { Logger } from "probot";
import { SettingsError } from "../settings/read-settings.js";
import { fetchGitHubHooks } from "./fetch-github-hooks.js";
import { prepareAddressList, type AddressList } from "./prepare-address-list.js";
import { readSavedGitHubHooks } from "./read-saved-github-hooks.js";
import { saveGitHubHooks, type SavedHooks } from "./save-github-hooks.js";

/** In the data directory: the last list GitHub gave, for a start while it is unreachable. */
export const GITHUB_HOOKS_FILE = "github-hooks.json";
/** GitHub changes these ranges rarely and announces it ahead; hourly keeps up at no cost. */
const REFRESH_MS = 60 * 60 * 1000;

export interface GitHubAllowlist {
  current(): AddressList;
  stop(): Promise<void>;
}

/**
 * GitHub's webhook ranges from `GET /meta`, fetched now and every hour. A failed refresh keeps the list held
 * (GitHub being briefly unreachable is no reason to let anyone in, or to shut GitHub out). At start-up the
 * list saved by an earlier start stands in for an unreachable GitHub; with neither, gantry does not start:
 * accepting every address would silently drop the protection asked for, refusing every address would lose
 * deliveries while looking healthy, and a start that fails says so where the operator looks.
 */
export async function startGitHubAllowlist(options: { apiBaseUrl: string; dataDir: string; log: Logger; refreshMs?: number }): Promise<GitHubAllowlist> {
  const { log } = options;
  const path = join(options.dataDir, GITHUB_HOOKS_FILE);
  const source = `${options.apiBaseUrl}/meta`;
  const hold = (saved: SavedHooks) => ({ saved, list: prepareAddressList(saved.hooks) });
  const fetchAndSave = async () => {
    const held = hold({ source, fetchedAt: new Date().toISOString(), hooks: await fetchGitHubHooks(options.apiBaseUrl) });
    await saveGitHubHooks(path, held.saved).catch((error: unknown) => {
      log.warn(`IP allowlist: could not save GitHub's webhook ranges in ${path} (${reason(error)}); a restart while GitHub is unreachable will fail`);
    });
    return held;
  };

  let held: ReturnType<typeof hold>;
  try {
    held = await fetchAndSave();
    log.info(`IP allowlist: ${held.saved.hooks.length} GitHub webhook ranges from ${source}`);
  } catch (error) {
    const saved = await readSavedGitHubHooks(path).catch((unreadable: unknown) => {
      log.warn(`IP allowlist: ignoring ${reason(unreadable)}`);
      return null;
    });
    if (saved?.source !== source) {
      throw new SettingsError(
        `GANTRY_IP_ALLOWLIST=github: GitHub's webhook addresses could not be fetched (${reason(error)}) and no earlier start ` +
          `saved them in ${path}${saved ? ` (the list there came from ${saved.source})` : ""}. gantry does not start ` +
          `without them rather than accept deliveries from anywhere or refuse them all: start it again once ${source} ` +
          "answers, or set GANTRY_IP_ALLOWLIST to CIDR ranges.",
      );
    }
    held = hold(saved);
    log.warn(`IP allowlist: ${reason(error)}; using the ${saved.hooks.length} GitHub webhook ranges saved at ${saved.fetchedAt}`);
  }

  let refreshing: Promise<void> | null = null;
  const refresh = async () => {
    try {
      const fresh = await fetchAndSave();
      const changed = fresh.saved.hooks.join(",") !== held.saved.hooks.join(",");
      held = fresh;
      if (changed) log.info(`IP allowlist: GitHub's webhook ranges changed, now ${fresh.saved.hooks.length}`);
    } catch (error) {
      log.warn(`IP allowlist: could not refresh GitHub's webhook addresses (${reason(error)}); keeping the ${held.saved.hooks.length} ranges from ${held.saved.fetchedAt}`);
    }
  };
  const timer = setInterval(() => {
    refreshing ??= refresh().finally(() => (refreshing = null));
  }, options.refreshMs ?? REFRESH_MS).unref();

  return {
    current: () => held.list,
    async stop() {
      // a refresh under way is not awaited: its file is written by rename, so it lands whole or not at all
      clearInterval(timer);
    },
  };
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
