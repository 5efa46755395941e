import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { listRepositoryFiles } from "../../../src/worker/scanning/list-repository-files.js";
import { checkout } from "../../../src/worker/execution/workspace.js";
import { useScratchRepo } from "../execution/scratch-repo.js";

const scratch = useScratchRepo("gantry-ls-tree-");

describe("listRepositoryFiles", () => {
  it("lists the checked-out commit's files, names with spaces and UTF-8 included, nothing untracked", async () => {
    const sha = await scratch.repo.commit({ "src/a.ts": "a", "docs/read me.md": "b", "ünï/ç.txt": "c" }, "files");
    const { dir } = await checkout({ root: join(scratch.root, "ws"), runId: "r", cloneUrl: scratch.repo.workDir, sha, logFd: scratch.log.fd, timeoutMs: 30_000 });
    await writeFile(join(dir, "untracked.txt"), "a step may write files; they are not the commit's");
    const files = await listRepositoryFiles(dir);
    expect(files?.complete).toBe(true);
    expect([...files!.paths].sort()).toEqual(["docs/read me.md", "src/a.ts", "ünï/ç.txt"]);
  });

  it("stops at its limit and says the list is cut", async () => {
    const sha = await scratch.repo.commit({ a: "1", b: "2", c: "3" }, "three");
    const { dir } = await checkout({ root: join(scratch.root, "ws"), runId: "r", cloneUrl: scratch.repo.workDir, sha, logFd: scratch.log.fd, timeoutMs: 30_000 });
    expect(await listRepositoryFiles(dir, { limit: 3 })).toEqual({ paths: new Set(["a", "b", "c"]), complete: true });
    const cut = await listRepositoryFiles(dir, { limit: 2 });
    expect(cut).toEqual({ paths: new Set(["a", "b"]), complete: false });
  });

  it("is null where there is no commit", async () => {
    expect(await listRepositoryFiles(scratch.root)).toBeNull();
  });
});
