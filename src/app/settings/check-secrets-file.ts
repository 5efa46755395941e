import { access, constants, readFile, stat } from "node:fs/promises";
import { formatConfigError } from "../../config/format-config-error.js";
import { parseSecretsFile } from "../../config/parse-secrets-file.js";
import type { SecretsFile } from "../../config/secrets-types.js";
import { SettingsError } from "./settings-error.js";

/**
 * Start-up check of the operator's secrets file (GANTRY_SECRETS_FILE): gantry refuses to start with a malformed
 * one (every error with its line and column), and warns when other users may read it, or when a source it names
 * is missing now (runs that need it would fail). A missing file is fine: no pipeline gets secrets. Runs read the
 * file again when they start, so an edit needs no restart. Returns the file as read (null when there is none).
 */
export async function checkSecretsFile(path: string, log: { warn(msg: string): void }, env: NodeJS.ProcessEnv = process.env): Promise<SecretsFile | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return null;
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
  for (const warning of await missingSources(parsed.secrets, env)) log.warn(`the secrets file ${path}: ${warning}; runs that need it will fail until it is`);
  return parsed.secrets;
}

/** Sources that cannot give a value now; the names only, never a value. */
async function missingSources(file: SecretsFile, env: NodeJS.ProcessEnv): Promise<string[]> {
  const scopes = [
    ...Object.entries(file.environments).map(([name, scope]) => ({ where: `environment ${name}`, secrets: scope.secrets })),
    ...Object.entries(file.repositories).map(([glob, scope]) => ({ where: `repositories ${glob}`, secrets: scope.secrets })),
  ];
  const warnings: string[] = [];
  for (const { where, secrets } of scopes) {
    for (const [name, source] of Object.entries(secrets)) {
      if ("env" in source && env[source.env] === undefined) warnings.push(`${name} (${where}) comes from the variable ${source.env}, which is not set`);
      if ("file" in source && !(await access(source.file, constants.R_OK).then(() => true, () => false))) {
        warnings.push(`${name} (${where}) comes from the file ${source.file}, which cannot be read`);
      }
    }
  }
  return warnings;
}
