import type { GitHubApp } from "../github/github-app.js";
import type { PushContext } from "../runs/run-types.js";
import { prefetchIntoMirror } from "./execution/workspace.js";
import { mirrorRoot } from "./mirror-root.js";
import { cloneUrlOf } from "./clone-url-of.js";

/** As long as the checkout itself could take: a first fetch of a large repository fills a new mirror. */
const PREFETCH_TIMEOUT_MS = 10 * 60_000;

/**
 * RunDeps.prefetch for a node whose own workers run what it dispatches: the pushed commit into the repository's
 * mirror, with a checkout token (cached, so the run's checkout gets the same one without asking GitHub again).
 */
export function createPrefetch(deps: { dataDir: string; gitBaseUrl: string; github: GitHubApp }): (push: PushContext) => void {
  return (push) => {
    const token = deps.github.checkoutToken(push.installationId, push.repo);
    token.catch(() => {}); // the run's checkout asks again, and says why it failed
    void prefetchIntoMirror({
      mirrors: { root: mirrorRoot(deps.dataDir), repositoryId: push.repositoryId },
      cloneUrl: cloneUrlOf(deps.gitBaseUrl, push),
      sha: push.sha,
      token,
      timeoutMs: PREFETCH_TIMEOUT_MS,
    });
  };
}
