import { homedir } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { isWithin } from "../../worker/execution/sandbox/is-within.js";
import { SettingsError } from "./settings-error.js";

/** How steps are isolated from the host; the sandbox in worker/execution/sandbox turns this into one step's launch. */
export interface SandboxSettings {
  /** `bwrap`: each step in a bubblewrap sandbox (gantry refuses to start without a working bwrap); `off`: plain child processes. */
  mode: "bwrap" | "off";
  /** Host directories steps see read-only, besides the built-in system directories (GANTRY_SANDBOX_BIND). */
  bind: string[];
  /**
   * Host paths steps never see, even under a bound directory: the data directory (but a run's own workspace),
   * gantry's working directory, the server user's home, the App key's directory, the secrets file, GANTRY_SANDBOX_HIDE.
   */
  hide: string[];
}

export interface SandboxInputs {
  dataDir: string;
  secretsFile: string;
  cwd: string;
}

/** Paths whose content is gantry's own secrets: an operator's bind may not reach into them. */
function secretHolders(env: NodeJS.ProcessEnv, inputs: SandboxInputs): string[] {
  const holders = [inputs.dataDir, inputs.cwd, inputs.secretsFile];
  if (env["PRIVATE_KEY_PATH"]) holders.push(dirname(resolve(inputs.cwd, env["PRIVATE_KEY_PATH"])));
  if (env["TLS_KEY"]) holders.push(resolve(inputs.cwd, env["TLS_KEY"]));
  return holders;
}

export function readSandboxSettings(env: NodeJS.ProcessEnv, inputs: SandboxInputs): SandboxSettings {
  const raw = (env["GANTRY_SANDBOX"] ?? "").trim().toLowerCase();
  if (raw !== "" && raw !== "bwrap" && raw !== "off") {
    throw new SettingsError(`GANTRY_SANDBOX: "${env["GANTRY_SANDBOX"]}" is not a sandbox (use "bwrap", the default, or "off")`);
  }
  const holders = secretHolders(env, inputs);
  const bind = readPaths(env, "GANTRY_SANDBOX_BIND");
  for (const path of bind) {
    const holder = holders.find((candidate) => isWithin(path, candidate));
    if (holder !== undefined) {
      throw new SettingsError(`GANTRY_SANDBOX_BIND: "${path}" is inside ${holder}, which holds gantry's own secrets; steps may never see it`);
    }
  }
  const home = env["HOME"] || homedir();
  const hide = [...holders, ...(home ? [resolve(home)] : []), ...readPaths(env, "GANTRY_SANDBOX_HIDE")];
  return { mode: raw === "off" ? "off" : "bwrap", bind, hide: [...new Set(hide)] };
}

/** Colon-separated absolute paths, as PATH is written. */
function readPaths(env: NodeJS.ProcessEnv, name: string): string[] {
  const entries = (env[name] ?? "").split(":").map((entry) => entry.trim()).filter(Boolean);
  const relative = entries.find((entry) => !isAbsolute(entry));
  if (relative !== undefined) throw new SettingsError(`${name}: "${relative}" is not an absolute path (separate paths with ":")`);
  return entries.map((entry) => resolve(entry));
}
