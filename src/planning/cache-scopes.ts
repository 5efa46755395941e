import { parseRef } from "./parse-ref.js";

/** Which caches a run may read (in order) and the one scope it writes: GitHub's rule against cache poisoning. */
export interface CacheScopes {
  read: string[];
  write: string;
}

/**
 * A branch reads its own caches, then the default branch's, and writes its own; a tag reads the default branch's
 * and writes its own (read by nothing but itself). No run ever writes a scope other than its own ref's.
 */
export function cacheScopes(ref: string, defaultBranch: string | undefined): CacheScopes {
  const fallback = defaultBranch ? `refs/heads/${defaultBranch}` : null;
  const own = parseRef(ref).kind === "tag" ? [] : [ref];
  const read = [...own, ...(fallback && fallback !== ref ? [fallback] : [])];
  return { read: read.length > 0 ? read : [ref], write: ref };
}
