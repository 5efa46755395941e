import type { Sandbox } from "./sandbox.js";

/** GANTRY_SANDBOX=off: the step is `sh -e -c` as gantry's own user, seeing what gantry sees. */
export function plainSandbox(): Sandbox {
  return {
    kind: "off",
    wrap: (step) => ({ file: "sh", args: ["-e", "-c", step.command], env: step.env, cwd: step.workspace, launcher: false }),
  };
}
