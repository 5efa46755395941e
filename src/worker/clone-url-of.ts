import type { PushContext } from "../runs/run-types.js";

/** Where a pushed repository is fetched from (GitHub's, or GHES's, `https://host/owner/repo.git`). */
export function cloneUrlOf(gitBaseUrl: string, push: Pick<PushContext, "owner" | "repo">): string {
  return `${gitBaseUrl}/${push.owner}/${push.repo}.git`;
}
