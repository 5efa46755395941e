import { readFile, stat } from "node:fs/promises";
import { formatConfigError } from "../../config/format-config-error.js";
import { parseSecretsFile } from "../../config/parse-secrets-file.js";
import { SettingsError } from "./settings-error.js";

/**
 * Start-up check of the operator's secrets file (GANTRY_SECRETS_FILE): gantry refuses to start with a malformed
 * one (every error with its line and column), and warns when other users may read it. A missing file is fine: no
 * pipeline gets secrets. Runs read the file again when they start, so an edit needs no restart.
 */
export async function checkSecretsFile(path: string, log: { warn(msg: string): void }): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return;
    throw new SettingsError(`GANTRY_SECRETS_FILE: ${path} cannot be read (${code ?? String(error)})`);
  }
  const parsed = parseSecretsFile(text, path);
  if (!parsed.ok) {
    throw new SettingsError(`GANTRY_SECRETS_FILE: ${path} is not a valid secrets file:\n${parsed.errors.map(formatConfigError).join("\n")}`);
  }
  const stats = await stat(path);
  const uid = process.getuid?.();
  if ((stats.mode & 0o044) !== 0 || (uid !== undefined && stats.uid !== uid)) {
    const owned = uid === undefined || stats.uid === uid;
    const fix = owned ? `chmod 600 ${path}` : `chown ${uid} ${path} && chmod 600 ${path}`;
    const mode = (stats.mode & 0o777).toString(8).padStart(3, "0");
    log.warn(`the secrets file ${path} is readable by other users than gantry's (mode ${mode}, owner uid ${stats.uid}); run: ${fix}`);
  }
}
