import { secretFilePaths } from "../../config/secrets-file-paths.js";
import { readSecretsFile } from "./read-secrets-file.js";

/** The paths of the last valid version of each secrets file, for when the current one is broken. */
const lastValid = new Map<string, string[]>();

/**
 * The files the secrets file reads values from, as it is when a run starts, for the sandbox to hide from every run
 * (with secrets or without). No file: none. A file that became invalid: the paths of its last valid version.
 */
export async function readSecretFilePaths(path: string): Promise<string[]> {
  const file = await readSecretsFile(path);
  if (file.ok) {
    const paths = secretFilePaths(file.secrets);
    lastValid.set(path, paths);
    return paths;
  }
  return file.missing ? [] : (lastValid.get(path) ?? []);
}
