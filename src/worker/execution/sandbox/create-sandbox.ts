import { bwrapSandbox } from "./bwrap-sandbox.js";
import { plainSandbox } from "./plain-sandbox.js";
import type { Sandbox, SandboxConfig } from "./sandbox.js";

export function createSandbox(config: SandboxConfig): Sandbox {
  return config.mode === "bwrap" ? bwrapSandbox(config) : plainSandbox();
}
