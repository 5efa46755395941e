import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { git, type Repo } from "./git-repo.js";

/**
 * A commit of exactly `files` (text) and `gitlinks` (path → commit) in `repo`'s work repository, with no parent, on no
 * branch (push it): git's own commands refuse to stage a gitlink whose folder holds no repository, or a path like `-x`.
 */
export async function commitTree(repo: Repo, files: Record<string, string>, gitlinks: Record<string, string> = {}): Promise<string> {
  const scratch = await mkdtemp(join(tmpdir(), "gantry-tree-"));
  try {
    const env = { ...repo.env(), GIT_DIR: join(repo.workDir, ".git"), GIT_INDEX_FILE: join(scratch, "index") };
    const run = (args: string[]) => git(args, { cwd: scratch, env });
    for (const [path, content] of Object.entries(files)) {
      const file = join(scratch, "blob");
      await writeFile(file, content);
      const blob = await run(["hash-object", "-w", file]);
      await run(["update-index", "--add", "--cacheinfo", `100644,${blob},${path}`]);
    }
    for (const [path, commit] of Object.entries(gitlinks)) await run(["update-index", "--add", "--cacheinfo", `160000,${commit},${path}`]);
    return await run(["commit-tree", await run(["write-tree"]), "-m", "a tree with submodules"]);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** `.gitmodules` naming `modules`. */
export function gitmodules(modules: Array<{ name: string; path: string; url: string }>): string {
  return modules.map((module) => `[submodule "${module.name}"]\n\tpath = ${module.path}\n\turl = ${module.url}\n`).join("");
}
