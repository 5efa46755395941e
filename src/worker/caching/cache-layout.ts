import { createHash } from "node:crypto";
import { join } from "node:path";

/**
 * Where entries live under the caches folder: `<repository id>/<hash of scope>/<hash of key>/`, holding
 * `archive.tar.gz` and `entry.json`. Scopes and keys come from a pushed config: hashed, they can never name a
 * path of their own (`..`, `/`, a NUL, a name too long).
 */
export const ARCHIVE_NAME = "archive.tar.gz";
export const RECORD_NAME = "entry.json";
/**
 * The entry's archive already checked and unpacked (`workspace/`, `home/`), made after a run for the next one: a
 * restore takes it whole in one rename instead of unpacking. Beside its folders, `bytes`: what it takes on disk.
 */
export const PREPARED_NAME = "prepared";
export const PREPARED_BYTES_NAME = "bytes";

/** 128 bits of SHA-256: a collision is out of reach, and entry.json repeats scope and key, compared exactly. */
const HASHED_NAME = /^[0-9a-f]{32}$/;
const REPOSITORY_NAME = /^[1-9][0-9]{0,15}$/;

function hashName(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex").slice(0, 32);
}

export function repositoryDir(root: string, repositoryId: number): string {
  if (!Number.isSafeInteger(repositoryId) || repositoryId <= 0) throw new Error(`repositoryId ${repositoryId} is not a repository id`);
  return join(root, String(repositoryId));
}

export function scopeDir(root: string, repositoryId: number, scope: string): string {
  return join(repositoryDir(root, repositoryId), hashName(scope));
}

export function entryDir(root: string, repositoryId: number, scope: string, key: string): string {
  return join(scopeDir(root, repositoryId, scope), hashName(key));
}

/** Whether a folder name is one the layout makes: anything else (temporary names above all) is not an entry. */
export function isHashedName(name: string): boolean {
  return HASHED_NAME.test(name);
}

export function isRepositoryName(name: string): boolean {
  return REPOSITORY_NAME.test(name);
}

export function hashMatches(name: string, text: string): boolean {
  return hashName(text) === name;
}
