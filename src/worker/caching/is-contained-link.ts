import { posix } from "node:path";

/**
 * Whether a symlink at `linkPath` (relative to its root, e.g. `node_modules/.bin/vitest`) with `target` stays
 * inside that root: relative, no NUL or backslash, and `..` only at the start. A `..` after a name could climb
 * out through a link the name is (`a -> .` makes `a/..` the root's parent), so only leading ones, checked
 * lexically against the link's own (real) folders, are allowed. The pack leaves out a link that is not, and the
 * restore refuses an archive that has one: one rule for both, so a sound cache is never refused.
 */
export function isContainedLink(linkPath: string, target: string): boolean {
  if (target === "" || target.startsWith("/") || target.includes("\\") || target.includes("\0")) return false;
  const parts = target.split("/");
  const firstName = parts.findIndex((part) => part !== "..");
  if (firstName !== -1 && parts.slice(firstName).includes("..")) return false;
  const resolved = posix.normalize(posix.join(posix.dirname(linkPath), target));
  return resolved !== ".." && !resolved.startsWith("../");
}
