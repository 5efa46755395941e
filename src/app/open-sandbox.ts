import type { Logger } from "probot";
import { createSandbox } from "../worker/execution/sandbox/create-sandbox.js";
import { probeSandbox } from "../worker/execution/sandbox/probe-sandbox.js";
import type { Sandbox } from "../worker/execution/sandbox/sandbox.js";
import type { SandboxSettings } from "./settings/read-sandbox-settings.js";
import { SettingsError } from "./settings/settings-error.js";

/** What a step reaches with GANTRY_SANDBOX=off, said once at start-up. */
export const UNSANDBOXED_WARNING =
  "GANTRY_SANDBOX=off: steps run as gantry's own user with nothing between them and the host: a step can read gantry's " +
  "environment (WEBHOOK_SECRET, PRIVATE_KEY) through /proc, the App's key file, the data directory with every run's logs " +
  "and workspaces, and kill gantry itself. Run only repositories you trust completely.";

/**
 * The sandbox the settings ask for, tried before any work is taken: with `bwrap`, a real trivial sandbox must run,
 * or gantry does not start; `off` is said loudly.
 */
export async function openSandbox(settings: SandboxSettings, log: Pick<Logger, "warn" | "info">): Promise<Sandbox> {
  const sandbox = createSandbox(settings);
  if (sandbox.kind === "off") {
    log.warn(UNSANDBOXED_WARNING);
    return sandbox;
  }
  const failure = await probeSandbox(sandbox);
  if (failure !== null) throw new SettingsError(explainProbeFailure(failure));
  return sandbox;
}

export function explainProbeFailure(failure: string): string {
  return (
    `GANTRY_SANDBOX=bwrap (the default): bubblewrap cannot run a step here (${failure}). Install it ` +
    "(apt-get install bubblewrap, or dnf install bubblewrap) and make sure user namespaces are enabled " +
    "(sysctl user.max_user_namespaces > 0; on Debian/Ubuntu also kernel.unprivileged_userns_clone=1, and no AppArmor " +
    "restriction on unprivileged user namespaces), or set GANTRY_SANDBOX=off to run steps without a sandbox."
  );
}
