import { git, gitBuffer } from "../helpers/git-repo.js";

export interface TreeEntry {
  type: "file" | "dir" | "symlink" | "submodule";
  sha: string;
  size: number;
  /** Repository-relative path. */
  path: string;
  name: string;
}

export type ContentsResult =
  | { kind: "no-commit" }
  | { kind: "missing" }
  | { kind: "file"; entry: TreeEntry; content: Buffer }
  | { kind: "dir"; entries: TreeEntry[] };

/**
 * Reads what the contents API returns for `path` at `ref` straight from the bare repository, so
 * tests see exactly the bytes they pushed. `ref` may be a branch, tag or SHA; empty means HEAD.
 */
export async function readContents(
  bareDir: string,
  env: NodeJS.ProcessEnv,
  ref: string,
  path: string,
): Promise<ContentsResult> {
  const options = { cwd: bareDir, env };
  const revision = ref === "" ? "HEAD" : ref;
  // A leading dash would be parsed as an option by git.
  if (revision.startsWith("-")) return { kind: "no-commit" };
  let commit: string;
  try {
    commit = await git(["rev-parse", "--verify", "-q", `${revision}^{commit}`], options);
  } catch {
    return { kind: "no-commit" };
  }

  const cleanPath = path.replace(/^\/+|\/+$/g, "");
  if (cleanPath === "") return { kind: "dir", entries: await listTree(commit, "", options) };
  const [self] = parseLsTree(await git(["ls-tree", "-l", "-z", commit, "--", cleanPath], options));
  if (!self || self.path !== cleanPath) return { kind: "missing" };
  if (self.type === "dir") return { kind: "dir", entries: await listTree(commit, cleanPath, options) };
  const content = self.type === "file" || self.type === "symlink" ? await gitBuffer(["cat-file", "blob", self.sha], options) : Buffer.alloc(0);
  return { kind: "file", entry: self, content };
}

async function listTree(commit: string, dir: string, options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<TreeEntry[]> {
  const args = dir === "" ? ["ls-tree", "-l", "-z", commit] : ["ls-tree", "-l", "-z", commit, "--", `${dir}/`];
  return parseLsTree(await git(args, options));
}

function parseLsTree(output: string): TreeEntry[] {
  const entries: TreeEntry[] = [];
  for (const record of output.split("\0")) {
    // "<mode> <type> <sha> <size>\t<path>"
    const match = /^(\d+) (\w+) ([0-9a-f]{40})\s+(-|\d+)\t(.*)$/s.exec(record);
    if (!match) continue;
    const [, mode, objectType, sha, size, path] = match as unknown as [string, string, string, string, string, string];
    const type: TreeEntry["type"] =
      objectType === "tree" ? "dir" : objectType === "commit" ? "submodule" : mode === "120000" ? "symlink" : "file";
    entries.push({ type, sha, size: size === "-" ? 0 : Number(size), path, name: path.slice(path.lastIndexOf("/") + 1) });
  }
  return entries;
}
