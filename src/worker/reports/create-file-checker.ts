import { lstat } from "node:fs/promises";
import { join } from "node:path";

/**
 * Whether a repository path is a regular file of the workspace, reached through real directories only: every
 * component is lstat-ed, no symbolic link is followed. Answers are remembered, so 10,000 failures in one file
 * cost one look.
 */
export function createFileChecker(workspace: string): (path: string) => Promise<boolean> {
  const known = new Map<string, Promise<"dir" | "file" | "other">>();
  const kind = (path: string): Promise<"dir" | "file" | "other"> => {
    let answer = known.get(path);
    if (answer === undefined) {
      answer = lstat(join(workspace, path)).then(
        (stats) => (stats.isDirectory() ? "dir" : stats.isFile() ? "file" : "other"),
        () => "other" as const,
      );
      known.set(path, answer);
    }
    return answer;
  };
  return async (path) => {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      if ((await kind(parts.slice(0, i).join("/"))) !== "dir") return false;
    }
    return (await kind(path)) === "file";
  };
}
