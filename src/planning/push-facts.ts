import type { EmitterWebhookEvent } from "@octokit/webhooks";
import type { PushFacts } from "./plan-types.js";

export type PushPayload = EmitterWebhookEvent<"push">["payload"];

/** GitHub lists at most this many commits in a push payload; at the cap the list may be cut short. */
export const MAX_PAYLOAD_COMMITS = 2048;
/** GitHub lists at most this many changed files per commit; at the cap the lists may be cut short. */
export const MAX_FILES_PER_COMMIT = 3000;

/** The facts planning needs from a push webhook. */
export function pushFactsFromPayload(payload: PushPayload): PushFacts {
  return {
    ref: payload.ref,
    deleted: payload.deleted,
    headCommitMessage: payload.head_commit?.message ?? "",
    changedFiles: changedFiles(payload.commits),
  };
}

/** Union of the files the pushed commits touched, in first-seen order; `null` whenever the payload may not tell the whole story. */
function changedFiles(commits: PushPayload["commits"]): string[] | null {
  // No commits: a new ref at an existing commit, so the payload says nothing about what differs.
  if (commits.length === 0 || commits.length >= MAX_PAYLOAD_COMMITS) return null;
  const files = new Set<string>();
  for (const commit of commits) {
    const touched = [...(commit.added ?? []), ...(commit.modified ?? []), ...(commit.removed ?? [])];
    if (touched.length >= MAX_FILES_PER_COMMIT) return null;
    for (const file of touched) files.add(file);
  }
  return [...files];
}
