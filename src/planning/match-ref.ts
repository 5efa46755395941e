import type { PipelineConfig } from "../config/parse-config.js";
import { compileGlobs } from "./compile-globs.js";
import { parseRef } from "./parse-ref.js";

export { parseRef, type ParsedRef } from "./parse-ref.js";

/**
 * Whether a push to `ref` starts a pipeline with these filters.
 * Branches: absent means every branch, except that a pipeline listing only `tags` is for tags alone (as in GitHub Actions).
 * Tags: absent means none. Other refs never match.
 */
export function matchRef(on: Pick<PipelineConfig["on"], "branches" | "tags">, ref: string): boolean {
  const { kind, name } = parseRef(ref);
  if (kind === "branch") {
    if (on.branches === null) return on.tags === null;
    return compileGlobs(on.branches)(name);
  }
  if (kind === "tag") return on.tags !== null && compileGlobs(on.tags)(name);
  return false;
}
