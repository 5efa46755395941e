import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkout } from "../../../src/worker/execution/workspace.js";
import { useScratchRepo } from "./scratch-repo.js";

const scratch = useScratchRepo("gantry-workspace-");

describe("checkout", () => {
  it("fetches exactly the pushed commit into a directory named by the run id", async () => {
    const first = await scratch.repo.commit({ "a.txt": "first" }, "one");
    await scratch.repo.commit({ "a.txt": "second" }, "two");
    const { dir, outcome } = await checkout({ root: join(scratch.root, "ws"), runId: "run-1", cloneUrl: scratch.repo.workDir, sha: first, logFd: scratch.log.fd, timeoutMs: 30_000 });
    expect(outcome.exitCode).toBe(0);
    expect(dir).toBe(join(scratch.root, "ws", "run-1"));
    expect(await readFile(join(dir, "a.txt"), "utf8")).toBe("first");
  });

  it("removes the workspace when the token never comes, and says why", async () => {
    const sha = await scratch.repo.commit({ "a.txt": "x" }, "one");
    const token = Promise.reject(new Error("GitHub answered 502 to POST /app/installations/1/access_tokens"));
    token.catch(() => {}); // awaited by the fetch only, after `git init`
    await expect(
      checkout({ root: join(scratch.root, "ws"), runId: "run-2", cloneUrl: scratch.repo.workDir, sha, token, logFd: scratch.log.fd, timeoutMs: 30_000 }),
    ).rejects.toThrow("GitHub answered 502");
    expect(existsSync(join(scratch.root, "ws", "run-2"))).toBe(false);
  });
});
