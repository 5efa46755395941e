import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { getPrivateKey } from "@probot/get-private-key";
import { SettingsError } from "./read-settings.js";

export interface AppCredentials {
  appId: number;
  /** PEM text of the app's RSA private key. */
  privateKey: string;
}

const WHERE_ID = "the App ID shown on your GitHub App's settings page";
const WHERE_KEY = "the app's private key: the PEM text (newlines may be written as \\n) in PRIVATE_KEY, or the path of the .pem file in PRIVATE_KEY_PATH";

/**
 * The GitHub App's id and key, checked before Probot sees them: Probot throws "appId option is required" with
 * a stack trace for a missing id, a malformed one, a key that does not parse and a key file that does not
 * exist alike. Null when none of APP_ID, PRIVATE_KEY and PRIVATE_KEY_PATH is set (the app is not registered
 * yet). The key is read as Probot reads it (`@probot/get-private-key`: PRIVATE_KEY first, `\n` escapes and
 * base64 allowed; a lone .pem file in `cwd` when neither is set) and must parse as an RSA private key.
 */
export function readAppCredentials(env: NodeJS.ProcessEnv, cwd = process.cwd()): AppCredentials | null {
  const rawId = env["APP_ID"] ?? "";
  const inline = env["PRIVATE_KEY"] ?? "";
  const path = env["PRIVATE_KEY_PATH"] ?? "";
  if (rawId === "" && inline === "" && path === "") return null;
  const appId = Number(rawId);
  if (rawId === "") throw new SettingsError(`APP_ID is not set: set it to ${WHERE_ID}`);
  if (!/^\d+$/.test(rawId.trim()) || !Number.isSafeInteger(appId) || appId <= 0) {
    throw new SettingsError(`APP_ID: "${rawId.slice(0, 40)}" is not a positive whole number; set it to ${WHERE_ID}`);
  }
  if (inline !== "") return { appId, privateKey: parseKey("PRIVATE_KEY", () => getPrivateKey({ env: { PRIVATE_KEY: inline } })) };
  if (path !== "") {
    const file = resolve(cwd, path);
    return { appId, privateKey: parseKey(`PRIVATE_KEY_PATH: "${file}"`, () => readKeyFile(file)) };
  }
  let lone: string | null = null;
  try {
    lone = getPrivateKey({ env: {}, cwd });
  } catch {
    // several .pem files: none is taken
  }
  if (lone === null) throw new SettingsError(`PRIVATE_KEY or PRIVATE_KEY_PATH is not set: set one to ${WHERE_KEY}`);
  return { appId, privateKey: parseKey(`the .pem file in ${cwd}`, () => lone) };
}

/** Never puts the key, or a part of it, in the message. */
function parseKey(what: string, read: () => string | null): string {
  let pem: string | null;
  try {
    pem = read();
  } catch (error) {
    if (error instanceof SettingsError) throw error;
    throw new SettingsError(`${what} is not a PEM private key (no "-----BEGIN … PRIVATE KEY-----" block); set ${WHERE_KEY}`);
  }
  if (pem === null) throw new SettingsError(`${what} holds no private key; set ${WHERE_KEY}`);
  let type: string | undefined;
  try {
    type = createPrivateKey(pem).asymmetricKeyType;
  } catch (error) {
    throw new SettingsError(`${what} is not a PEM private key (${(error as Error).message}); set ${WHERE_KEY}`);
  }
  if (type !== "rsa") throw new SettingsError(`${what} is a ${type ?? "non-RSA"} key, but GitHub App keys are RSA; set ${WHERE_KEY}`);
  return pem;
}

function readKeyFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT" ? "does not exist" : code === "EACCES" ? "cannot be read (permission denied)" : code === "EISDIR" ? "is a directory" : `cannot be read (${code ?? (error as Error).message})`;
    throw new SettingsError(`PRIVATE_KEY_PATH: "${file}" ${why}; set it to the path of the .pem file downloaded from your GitHub App's settings page`);
  }
}
