import { createRequire } from "node:module";
import type { EmitterWebhookEvent } from "@octokit/webhooks";

type PushPayload = EmitterWebhookEvent<"push">["payload"];

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{ name: string; examples: PushPayload[] }>;
const pushExamples = examples.find((e) => e.name === "push")!.examples;
/** A real branch push from GitHub's examples (one commit, a created branch), used as the template. */
const branchPush = pushExamples.find((e) => e.ref.startsWith("refs/heads/") && !e.deleted && e.commits.length > 0)!;
/** A real tag deletion from GitHub's examples. */
export const tagDeletionExample = pushExamples.find((e) => e.ref.startsWith("refs/tags/") && e.deleted)!;

export interface TestCommit {
  id: string;
  message: string;
  author?: { name: string; email: string; username?: string };
  added?: string[];
  modified?: string[];
  removed?: string[];
}

/** GitHub's own example push, pointed at a test repository, ref and commits. */
export function pushPayload(options: {
  owner: string;
  repo: string;
  repoId?: number;
  /** The repository's `private`; default the example's (false, a public repository). */
  private?: boolean;
  installationId?: number;
  ref: string;
  before: string;
  after: string;
  commits: TestCommit[];
  deleted?: boolean;
  /** The repository's default branch; default "main", as the test repositories' (the example's is "master"). */
  defaultBranch?: string;
}): PushPayload {
  const template = structuredClone(branchPush);
  const author = template.commits[0]!.author;
  const commits = options.commits.map((c) => ({
    ...template.commits[0]!,
    id: c.id,
    tree_id: c.id,
    message: c.message,
    author: c.author ?? author,
    committer: c.author ?? author,
    added: c.added ?? [],
    modified: c.modified ?? [],
    removed: c.removed ?? [],
    url: `https://github.com/${options.owner}/${options.repo}/commit/${c.id}`,
  }));
  return {
    ...template,
    ref: options.ref,
    before: options.before,
    after: options.after,
    created: /^0+$/.test(options.before),
    deleted: options.deleted ?? false,
    commits,
    head_commit: options.deleted ? null : (commits.at(-1) ?? null),
    installation: { ...template.installation!, id: options.installationId ?? 1 },
    repository: {
      ...template.repository,
      id: options.repoId ?? 1000,
      private: options.private ?? template.repository.private,
      name: options.repo,
      full_name: `${options.owner}/${options.repo}`,
      default_branch: options.defaultBranch ?? "main",
      master_branch: options.defaultBranch ?? "main",
      owner: { ...template.repository.owner!, login: options.owner, name: options.owner },
    },
  };
}
