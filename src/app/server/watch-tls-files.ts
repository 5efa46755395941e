import { unwatchFile, watchFile, type Stats } from "node:fs";
import type { Logger } from "probot";
import type { TlsFiles } from "../settings/read-settings.js";
import { loadTlsPair, type TlsPair } from "./load-tls-pair.js";

/**
 * Polled rather than fs.watch'ed: renewals replace files by rename or swap a symlink (certbot, Kubernetes
 * secrets), which an inotify watch on the old file never sees; a stat every few seconds sees them all.
 */
const POLL_MS = 2_000;
/** Renewals write the certificate and the key one after the other: read them once both have landed. */
const SETTLE_MS = 1_000;

/**
 * Calls `onRenewed` with the new pair when TLS_CERT or TLS_KEY changes. A pair that cannot be used is logged
 * and skipped (the previous one stays), and is read again at the next change. Returns the stop function.
 */
export function watchTlsFiles(options: { files: TlsFiles; log: Logger; onRenewed: (pair: TlsPair) => void }): () => void {
  const { files, log } = options;
  let settle: NodeJS.Timeout | undefined;
  const reload = () => {
    loadTlsPair(files).then(
      (pair) => {
        options.onRenewed(pair);
        log.info(`TLS certificate reloaded (${pair.description})`);
      },
      (error: unknown) => log.error(`TLS certificate not reloaded, still serving the previous one: ${(error as Error).message}`),
    );
  };
  const changed = (current: Stats, previous: Stats) => {
    if (current.mtimeMs === previous.mtimeMs && current.ino === previous.ino && current.size === previous.size) return;
    clearTimeout(settle);
    settle = setTimeout(reload, SETTLE_MS).unref();
  };
  const paths = [files.certPath, files.keyPath];
  for (const path of paths) watchFile(path, { interval: POLL_MS, persistent: false }, changed);
  return () => {
    clearTimeout(settle);
    for (const path of paths) unwatchFile(path, changed);
  };
}
