import type { EmitterWebhookEvent } from "@octokit/webhooks";
import { pushFactsFromPayload } from "../planning/push-facts.js";
import type { CommitInfo, PushContext } from "../runs/run-types.js";

export type PushPayload = EmitterWebhookEvent<"push">["payload"];

/** Copies what runs and reports need out of a push payload, so the payload itself need not be kept. */
export function pushContextFromPayload(payload: PushPayload, installationId: number): PushContext {
  const commit = (c: { id: string; message: string; author: { name: string; username?: string } }): CommitInfo => ({
    id: c.id,
    author: c.author.username ? `${c.author.name} (@${c.author.username})` : c.author.name,
    message: c.message,
  });
  return {
    installationId,
    repositoryId: payload.repository.id,
    private: payload.repository.private,
    owner: payload.repository.owner?.login ?? payload.repository.full_name.split("/")[0]!,
    repo: payload.repository.name,
    // a caller-built payload (a test's, an old CLI's) may lack it: caches then read only the run's own branch
    ...(payload.repository.default_branch ? { defaultBranch: payload.repository.default_branch } : {}),
    ref: payload.ref,
    before: payload.before,
    sha: payload.after,
    pusher: payload.pusher.username ?? payload.pusher.name,
    headCommit: payload.head_commit ? commit(payload.head_commit) : null,
    // a payload lists at most 2,048 commits: enough for a summary that shows 20
    commits: payload.commits.slice(-100).map(commit),
    totalCommits: payload.commits.length,
    changedFiles: pushFactsFromPayload(payload).changedFiles,
  };
}
