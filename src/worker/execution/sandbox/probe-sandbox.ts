import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import type { Sandbox } from "./sandbox.js";

/**
 * Runs a trivial step in the sandbox, with the flags every step gets: null when it works, else why not (bwrap's
 * own words: missing, user namespaces disabled, a bind that does not exist).
 */
export async function probeSandbox(sandbox: Sandbox): Promise<string | null> {
  const workspace = await mkdtemp(join(tmpdir(), "gantry-probe-"));
  try {
    // gantry's own PATH, as steps get it: where bwrap is looked up when it was not found at start
    const wrapped = sandbox.wrap({ command: "echo ok", workspace, env: { PATH: process.env["PATH"] || "/usr/bin:/bin" }, network: "host" });
    const result = await execa(wrapped.file, wrapped.args, { cwd: wrapped.cwd, env: wrapped.env, extendEnv: false, reject: false, timeout: 10_000, stdin: "ignore" });
    if (result.exitCode === 0 && result.stdout.trim() === "ok") return null;
    if ((result as { code?: string }).code === "ENOENT") return `${wrapped.file} is not installed (not found in PATH)`;
    const said = `${result.stderr}`.trim().split("\n").slice(-3).join(" ");
    return said || result.shortMessage || `exit code ${result.exitCode}`;
  } finally {
    await rm(workspace, { recursive: true, force: true });
  }
}
