import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.js";
import { initRepo, type Repo } from "../helpers/git-repo.js";
import { isRunning } from "../helpers/is-running.js";

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
    const pids = join(root, signal);
    const scratch = join(root, `tmp-${signal}`);
    await mkdir(scratch);
    // the shell of the step, and a background child of it in the same process group
    const step = `sleep 300 & echo $! > ${pids}.child; echo $$ > ${pids}.sh; wait`;
    await repo.commit({ ".github/gantry.yml": `pipelines:\n  slow:\n    steps:\n      - run: "${step}"\n` }, `Slow step for ${signal}`);
    const gantry = spawn(process.execPath, [BIN, "run", repo.workDir], {
      env: { PATH: process.env["PATH"]!, HOME: root, TMPDIR: scratch },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    gantry.stdout.on("data", (c: Buffer) => (out += c.toString()));
    gantry.stderr.on("data", (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => gantry.on("close", (code) => resolve(code)));
    const stepPids: number[] = [];
    try {
      for (const file of [`${pids}.sh`, `${pids}.child`]) {
        stepPids.push(await eventually(`the step to write ${file}`, async () => Number((await readFile(file, "utf8")).trim()) || null, 30_000));
      }
      expect(stepPids.every(isRunning)).toBe(true);
      expect(await readdir(scratch)).toHaveLength(1); // gantry's scratch dir with the workspace in it

      gantry.kill(signal);
      expect(await exited).toBe(expected);
      for (const pid of stepPids) await eventually(`step process ${pid} to end`, async () => !isRunning(pid), 10_000);
      expect(await readdir(scratch)).toEqual([]);
      expect(out).toMatch(new RegExp(`slow\\s+${step.split(" ")[0]}.*\\s+cancelled`));
      expect(out).toContain(`gantry: interrupted by ${signal}: stopped the steps and removed the workspace`);
    } finally {
      gantry.kill("SIGKILL");
      for (const pid of stepPids) if (isRunning(pid)) process.kill(pid, "SIGKILL"); // only when the test failed
    }
  });
});
