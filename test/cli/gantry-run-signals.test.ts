import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.js";
import { initRepo, type Repo } from "../helpers/git-repo.js";
import { processesWithEnv } from "../helpers/processes-with-env.js";

const BIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

let root: string;
let repo: Repo;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "gantry-run-signals-"));
  repo = await initRepo({ bareDir: join(root, "sample.git") });
});
afterAll(async () => {
  await repo?.cleanup();
  await rm(root, { recursive: true, force: true });
});

describe("gantry run interrupted", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)("on %s ends the step's process group, removes the workspace and exits %i", async (signal, expected) => {
    const scratch = join(root, `tmp-${signal}`);
    await mkdir(scratch);
    // the shell of the step, and a background child of it; the step's processes are found by a mark in their environment
    const step = "sleep 300 & echo started; wait";
    const mark = `TEST_MARK=${randomUUID()}`;
    await repo.commit({ ".github/gantry.yml": `pipelines:\n  slow:\n    steps:\n      - run: "${step}"\n` }, `Slow step for ${signal}`);
    const gantry = spawn(process.execPath, [BIN, "run", repo.workDir], {
      env: { PATH: process.env["PATH"]!, HOME: root, TMPDIR: scratch, GANTRY_PASS_ENV: "TEST_MARK", TEST_MARK: mark.slice("TEST_MARK=".length) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    gantry.stdout.on("data", (c: Buffer) => (out += c.toString()));
    gantry.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => gantry.on("close", (code) => resolve(code)));
    const stepProcesses = () => processesWithEnv(mark).filter((pid) => pid !== gantry.pid);
    try {
      await eventually("the step to start", async () => out.includes("started\n"), 30_000);
      // sh and sleep (in the sandbox also bwrap and its init)
      expect(stepProcesses().length).toBeGreaterThanOrEqual(2);
      expect(await readdir(scratch)).toHaveLength(1); // gantry's scratch dir with the workspace in it

      gantry.kill(signal);
      expect(await exited).toBe(expected);
      await eventually("the step's processes to end", async () => stepProcesses().length === 0, 10_000);
      expect(await readdir(scratch)).toEqual([]);
      expect(out).toMatch(new RegExp(`slow\\s+${step.split(" ")[0]}.*\\s+cancelled`));
      expect(out).toContain(`gantry: interrupted by ${signal}: stopped the steps and removed the workspace`);
    } finally {
      gantry.kill("SIGKILL");
      for (const pid of stepProcesses()) process.kill(pid, "SIGKILL"); // only when the test failed
    }
  });
});
