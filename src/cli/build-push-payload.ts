import { basename } from "node:path";
import { git } from "./git.js";

const ZEROS = "0".repeat(40);

/**
 * A push payload for the local repository's HEAD, shaped like GitHub's: the fields gantry and most
 * webhook receivers read (ref, before/after, commits with authors, messages and files, repository, pusher).
 */
export async function buildPushPayload(dir: string, options: { installationId?: number } = {}): Promise<Record<string, unknown>> {
  const after = await git(dir, ["rev-parse", "HEAD"]);
  const before = await git(dir, ["rev-parse", "--verify", "--quiet", "HEAD~1"]).catch(() => ZEROS);
  const branch = await git(dir, ["symbolic-ref", "--quiet", "--short", "HEAD"]).catch(() => "HEAD");
  const { owner, name } = await repositoryName(dir);
  const [authorName, authorEmail, committerName, committerEmail, timestamp, message] = (
    await git(dir, ["show", "-s", "--format=%an%x00%ae%x00%cn%x00%ce%x00%aI%x00%B", "HEAD"])
  ).split("\0") as [string, string, string, string, string, string];
  const files = await changedFiles(dir, before, after);
  const htmlBase = `https://github.com/${owner}/${name}`;
  const commit = {
    id: after,
    tree_id: await git(dir, ["rev-parse", "HEAD^{tree}"]),
    distinct: true,
    message: message.trimEnd(),
    timestamp,
    url: `${htmlBase}/commit/${after}`,
    author: { name: authorName, email: authorEmail },
    committer: { name: committerName, email: committerEmail },
    ...files,
  };
  return {
    ref: `refs/heads/${branch}`,
    before,
    after,
    created: before === ZEROS,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: `${htmlBase}/compare/${before.slice(0, 12)}...${after.slice(0, 12)}`,
    commits: [commit],
    head_commit: commit,
    repository: {
      id: 1,
      node_id: "R_local",
      name,
      full_name: `${owner}/${name}`,
      private: true,
      owner: { login: owner, id: 1, type: "User" },
      html_url: htmlBase,
      clone_url: `${htmlBase}.git`,
      default_branch: branch,
    },
    pusher: { name: authorName, email: authorEmail },
    sender: { login: owner, id: 1, type: "User" },
    ...(options.installationId === undefined ? {} : { installation: { id: options.installationId, node_id: "I_local" } }),
  };
}

async function repositoryName(dir: string): Promise<{ owner: string; name: string }> {
  const remote = await git(dir, ["remote", "get-url", "origin"]).catch(() => "");
  const match = /[:/]([^/:]+)\/([^/]+?)(?:\.git)?\/?$/.exec(remote);
  if (match) return { owner: match[1]!, name: match[2]! };
  return { owner: "local", name: basename(await git(dir, ["rev-parse", "--show-toplevel"])) };
}

async function changedFiles(dir: string, before: string, after: string) {
  const range = before === ZEROS ? ["--root", after] : [before, after];
  const lines = (await git(dir, ["diff-tree", "-r", "--no-commit-id", "--name-status", ...range])).split("\n").filter(Boolean);
  const pick = (status: string) => lines.filter((l) => l.startsWith(status)).map((l) => l.split("\t").at(-1)!);
  return { added: pick("A"), removed: pick("D"), modified: [...pick("M"), ...pick("R"), ...pick("C"), ...pick("T")] };
}
