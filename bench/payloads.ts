import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import { pushPayload } from "../test/helpers/push-payload.js";
import type { Push } from "./fake.js";

/**
 * GitHub's own example push (from @octokit/webhooks-examples, through the tests' helper), about 7.6 KB; with
 * `targetBytes`, grown by adding commits until it is at least that large.
 */
export function examplePush(targetBytes = 0): string {
  const base = pushPayload({
    owner: "bench",
    repo: "ingest",
    installationId: 1,
    ref: "refs/heads/main",
    before: "a".repeat(40),
    after: "b".repeat(40),
    commits: [{ id: "b".repeat(40), message: "A change", modified: ["README.md"] }],
  });
  let text = JSON.stringify(base);
  if (text.length >= targetBytes) return text;
  const commit = base.commits[0]!;
  const perCommit = JSON.stringify(commit).length + 1;
  const count = Math.ceil((targetBytes - text.length) / perCommit) + 1;
  const commits = Array.from({ length: count }, (_, i) => ({
    ...commit,
    id: i.toString(16).padStart(40, "0"),
    message: `Change number ${i} of a very large push`,
    modified: [`src/file-${i}.ts`],
  }));
  text = JSON.stringify({ ...base, commits, head_commit: commits.at(-1) });
  return text;
}

/** The push event GitHub would send for `push`, as text (the signature covers these exact bytes). */
export function pushEvent(push: Push): string {
  return JSON.stringify(
    pushPayload({
      owner: push.repo.owner,
      repo: push.repo.name,
      repoId: push.repo.id,
      installationId: push.repo.installationId,
      ref: "refs/heads/main",
      before: push.before,
      after: push.after,
      commits: [{ id: push.after, message: push.message, author: { name: "Bench", email: "bench@example.invalid", username: "bench" } }],
    }),
  );
}

/** Headers of a signed delivery, as GitHub sends them. */
export async function deliveryHeaders(secret: string, payload: string, deliveryId: string = randomUUID()): Promise<Record<string, string>> {
  return {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/bench",
    "x-github-event": "push",
    "x-github-delivery": deliveryId,
    "x-hub-signature-256": await sign(secret, payload),
  };
}

/** Posts one signed delivery; resolves with the status and when the answer came (performance.now()). */
export async function deliver(
  url: string,
  secret: string,
  payload: string,
): Promise<{ status: number; deliveryId: string; sentAt: number; answeredAt: number }> {
  const deliveryId = randomUUID();
  const headers = await deliveryHeaders(secret, payload, deliveryId);
  const sentAt = performance.now();
  const response = await fetch(url, { method: "POST", headers, body: payload });
  await response.arrayBuffer();
  return { status: response.status, deliveryId, sentAt, answeredAt: performance.now() };
}
