export interface ParsedRef {
  kind: "branch" | "tag" | "other";
  /** Branch or tag name without its `refs/…/` prefix; the full ref for `other`. */
  name: string;
}

const BRANCH_PREFIX = "refs/heads/";
const TAG_PREFIX = "refs/tags/";

/** Splits `refs/heads/x` and `refs/tags/x`; anything else (notes, pull refs, bare names) is `other`. */
export function parseRef(ref: string): ParsedRef {
  if (ref.startsWith(BRANCH_PREFIX) && ref.length > BRANCH_PREFIX.length) return { kind: "branch", name: ref.slice(BRANCH_PREFIX.length) };
  if (ref.startsWith(TAG_PREFIX) && ref.length > TAG_PREFIX.length) return { kind: "tag", name: ref.slice(TAG_PREFIX.length) };
  return { kind: "other", name: ref };
}
