import { open, type FileHandle } from "node:fs/promises";
import { formatConfigError } from "../../config/format-config-error.js";
import { parseSecretsFile, type ParseSecretsFileResult } from "../../config/parse-secrets-file.js";
import { MAX_SECRETS_FILE_BYTES, type SecretsFile } from "../../config/secrets-types.js";
import { codeSpan } from "../../planning/code-span.js";

/** The last parse of each secrets file, by the identity of the version read: an edit (or a replaced file) misses. */
const parsed = new Map<string, { version: string; result: ParseSecretsFileResult }>();

/**
 * The secrets file as it is now, parsed again only when it changed (so a busy server does not re-parse it for
 * every run). Reasons are Markdown-safe and name the first error's position, never a value.
 */
export async function readSecretsFile(path: string): Promise<{ ok: true; secrets: SecretsFile } | { ok: false; missing: boolean; reason: string }> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if (codeOf(error) === "ENOENT") return { ok: false, missing: true, reason: `no secrets file at ${codeSpan(path)}` };
    return { ok: false, missing: false, reason: `the secrets file ${codeSpan(path)} cannot be read (${codeOf(error) ?? "error"})` };
  }
  try {
    // The version read is the one statted: the same handle, so a replacement in between cannot mix the two.
    const stats = await handle.stat();
    // ctime too: a write that puts the old modification time back cannot put back the change time.
    const version = `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
    let cached = parsed.get(path);
    if (cached?.version !== version) {
      if (stats.size > MAX_SECRETS_FILE_BYTES) return { ok: false, missing: false, reason: `the secrets file ${codeSpan(path)} is larger than ${MAX_SECRETS_FILE_BYTES / 1024} KiB` };
      cached = { version, result: parseSecretsFile(await handle.readFile("utf8"), path) };
      parsed.set(path, cached);
    }
    const result = cached.result;
    if (result.ok) return { ok: true, secrets: result.secrets };
    const more = result.errors.length - 1;
    const rest = more > 0 ? ` (and ${more} more error${more === 1 ? "" : "s"})` : "";
    return { ok: false, missing: false, reason: `the secrets file is invalid: ${codeSpan(formatConfigError(result.errors[0]!))}${rest}` };
  } catch (error) {
    return { ok: false, missing: false, reason: `the secrets file ${codeSpan(path)} cannot be read (${codeOf(error) ?? "error"})` };
  } finally {
    await handle.close();
  }
}

/** The errno code of a failed file operation, e.g. ENOENT. */
export function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}
