import { isAbsolute, posix } from "node:path";

/**
 * `text` (a path a report or a stack frame names) relative to the repository root: a `file://` scheme, the
 * workspace prefix and `./` stripped. null when it names no place in the checkout (empty, another absolute
 * path, or one that leads out with `..`).
 */
export function toRepositoryPath(text: string, workspaces: readonly string[]): string | null {
  let path = text.trim().replace(/^file:\/\//, "");
  if (path === "" || path.includes("\0")) return null;
  if (isAbsolute(path)) {
    const root = workspaces.find((dir) => path.startsWith(`${dir}/`));
    if (root === undefined) return null;
    path = path.slice(root.length + 1);
  }
  const normal = posix.normalize(path);
  if (normal === "." || normal === ".." || normal.startsWith("../") || posix.isAbsolute(normal)) return null;
  return normal.replace(/\/$/, "");
}
