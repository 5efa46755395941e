import { compileGlobs } from "./compile-globs.js";

/**
 * Whether a push touching `changedFiles` passes a `paths` filter. No filter, or files the push does not list
 * (`null`: too many commits, new ref without commits), count as a match: running needlessly beats silently not running.
 */
export function matchPaths(patterns: readonly string[] | null, changedFiles: readonly string[] | null): boolean {
  if (patterns === null || changedFiles === null) return true;
  const matches = compileGlobs(patterns);
  return changedFiles.some(matches);
}
