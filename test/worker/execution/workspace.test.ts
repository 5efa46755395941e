import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LogFile } from "../../../src/worker/execution/log-file.js";
import { checkout } from "../../../src/worker/execution/workspace.js";
import { initRepo, type Repo } from "../../helpers/git-repo.js";

let root: string;
let repo: Repo;
let log: LogFile;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "gantry-workspace-"));
  repo = await initRepo({ bareDir: join(root, "origin.git") });
  log = new LogFile(join(root, "logs", "run.log"));
});
afterEach(async () => {
  log.close();
  await repo.cleanup();
  await rm(root, { recursive: true, force: true });
});

describe("checkout", () => {
  it("fetches exactly the pushed commit into a directory named by the run id", async () => {
    const first = await repo.commit({ "a.txt": "first" }, "one");
    await repo.commit({ "a.txt": "second" }, "two");
    const { dir, outcome } = await checkout({ root: join(root, "ws"), runId: "run-1", cloneUrl: repo.workDir, sha: first, logFd: log.fd, timeoutMs: 30_000 });
    expect(outcome.exitCode).toBe(0);
    expect(dir).toBe(join(root, "ws", "run-1"));
    expect(await readFile(join(dir, "a.txt"), "utf8")).toBe("first");
  });

  it("removes the workspace when the token never comes, and says why", async () => {
    const sha = await repo.commit({ "a.txt": "x" }, "one");
    const token = Promise.reject(new Error("GitHub answered 502 to POST /app/installations/1/access_tokens"));
    token.catch(() => {}); // awaited by the fetch only, after `git init`
    await expect(
      checkout({ root: join(root, "ws"), runId: "run-2", cloneUrl: repo.workDir, sha, token, logFd: log.fd, timeoutMs: 30_000 }),
    ).rejects.toThrow("GitHub answered 502");
    expect(existsSync(join(root, "ws", "run-2"))).toBe(false);
  });
});
