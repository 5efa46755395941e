import { createReadStream } from "node:fs";
import { mkdir, open, rm, type FileHandle } from "node:fs/promises";
import { execa } from "execa";
import type { CacheRoots } from "./cache-store.js";
import { placeCacheTree } from "./place-cache-tree.js";
import { validateCacheArchive } from "./validate-cache-archive.js";

/** A restore extracts into `<workspace>` + this, beside the workspace (same file system), and removes it after. */
export const CACHE_RESTORE_SUFFIX = ".cache-restore";

/**
 * Unpacks `file` into the roots (its `workspace/...` into `roots.workspace`, `home/...` into `roots.home`),
 * merging with what is there: extracted into a staging folder beside the workspace (extractCacheArchive), then
 * moved into place without following any symlink already there (placeCacheTree). Rejects if the archive is
 * refused or damaged (truncated, garbage).
 */
export async function unpackCacheArchive(file: string, roots: CacheRoots): Promise<void> {
  const staging = `${roots.workspace}${CACHE_RESTORE_SUFFIX}`;
  try {
    await extractCacheArchive(file, staging);
    await placeCacheTree(staging, roots);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Extracts `file` into `into` (made afresh, empty). gantry runs as root and the archive holds what a step wrote,
 * so node-tar first reads the whole archive and refuses it (throws) unless every entry is one a save writes (see
 * validateCacheArchive); only then GNU tar, about 4 times faster than node-tar's extraction, extracts it, owned
 * by gantry's uid, not the archive's. Returns about what the tree takes on disk; null, extracting nothing, when
 * `fits` (asked with that size once the archive is checked) says no.
 */
export async function extractCacheArchive(
  file: string,
  into: string,
  options: { fits?: (diskBytes: number) => Promise<boolean> } = {},
): Promise<{ diskBytes: number } | null> {
  // opened once: an eviction by another process may remove the file between the two reads
  const handle = await open(file, "r");
  try {
    const checked = await validateCacheArchive(handle);
    // null: `fits` said the tree would not fit (the check told its size); nothing is extracted
    if (options.fits && !(await options.fits(checked.diskBytes))) return null;
    await rm(into, { recursive: true, force: true });
    await mkdir(into);
    await extract(handle, into);
    return checked;
  } finally {
    await handle.close();
  }
}

async function extract(handle: FileHandle, into: string): Promise<void> {
  const source = createReadStream("", { fd: handle, start: 0, autoClose: false, highWaterMark: 1024 * 1024 });
  const result = await execa(
    "tar",
    // the archive was validated; these keep GNU tar's own guards on anyway (no absolute names, no `..`, owner
    // and umask of gantry, not the archive's)
    ["-x", "-z", "-f", "-", "-C", into, "--no-same-owner", "--no-same-permissions", "--no-overwrite-dir", "--warning=no-timestamp"],
    { stdin: source, reject: false, stdout: "ignore", env: { LC_ALL: "C" } },
  );
  if (result.exitCode !== 0) throw new Error(`tar could not extract the archive: ${String(result.stderr).trim() || `exit ${result.exitCode}`}`);
}
