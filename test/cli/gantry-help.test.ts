import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

/** Runs the built bin with an environment that could start nothing: a worker would fail for want of REDIS_URL. */
function gantry(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: { PATH: process.env["PATH"]! }, timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (child.exitCode ?? null) : 0, stdout, stderr }),
    );
  });
}

describe("gantry --help, -h and --version", () => {
  it.each(["run", "send", "worker"])("%s --help and -h print that command's usage on stdout and exit 0", async (command) => {
    for (const flag of ["--help", "-h"]) {
      const { code, stdout, stderr } = await gantry([command, flag]);
      expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
      expect(stdout).toMatch(new RegExp(`^Usage:\\n  gantry ${command}\\b`));
      expect(stdout).toContain("Exit codes: 0 success, 1 a pipeline or delivery failed, 2 usage or config error, 130 interrupted (143 on SIGTERM, 129 on SIGHUP).");
    }
  });

  it("takes --help even after other options, and does not start a worker", async () => {
    const send = await gantry(["send", "--url", "http://127.0.0.1:1/x", "--help"]);
    expect(send.code).toBe(0);
    expect(send.stdout).toContain("--retries");
    const worker = await gantry(["worker", "--help"]);
    expect(worker).toMatchObject({ code: 0, stderr: "" });
    expect(worker.stdout).toMatch(/^Usage:\n  gantry worker\n/);
  });

  it("prints the package.json version for the bin and for every command", async () => {
    const { version } = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    for (const args of [["--version"], ["run", "--version"], ["send", "--version"], ["worker", "--version"]]) {
      expect(await gantry(args)).toEqual({ code: 0, stdout: `gantry ${version}\n`, stderr: "" });
    }
  });

  it("prints the whole usage for no command, --help, -h and help", async () => {
    for (const args of [[], ["--help"], ["-h"], ["help"]]) {
      const { code, stdout } = await gantry(args);
      expect(code).toBe(0);
      expect(stdout).toMatch(/gantry run [\s\S]*gantry send [\s\S]*gantry worker/);
    }
    expect((await gantry(["help", "send"])).stdout).toMatch(/^Usage:\n  gantry send /);
  });

  it("says a command is unknown and exits 2", async () => {
    for (const args of [["deploy"], ["help", "deploy"]]) {
      const { code, stdout, stderr } = await gantry(args);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(/^gantry: unknown command "deploy"\nUsage:\n/);
    }
  });

  it("names an unknown option and exits 2 with the command's usage", async () => {
    for (const command of ["run", "send", "worker"]) {
      const { code, stderr } = await gantry([command, "--frobnicate"]);
      expect(code).toBe(2);
      expect(stderr).toMatch(new RegExp(`^gantry ${command}: Unknown option '--frobnicate'[\\s\\S]*\\nUsage:\\n  gantry ${command}\\b`));
    }
  });
});
