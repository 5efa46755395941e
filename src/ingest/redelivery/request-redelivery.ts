import type { Logger, ProbotOctokit } from "probot";
import { describeGitHubError } from "../../github/describe-github-error.js";

/** `accepted`: GitHub queued it; `refused`: a 4xx, GitHub's final word (e.g. 422, too old); `failed`: may work later. */
export type RedeliveryOutcome = "accepted" | "refused" | "failed";

/** Asks GitHub to redeliver one attempt; never throws, so one bad delivery cannot stop a sweep. */
export async function requestRedelivery(octokit: ProbotOctokit, deliveryId: number, guid: string, log: Logger): Promise<RedeliveryOutcome> {
  try {
    // No Octokit retries: a failed request is retried by the next sweep, and backing off (1 + 4 + 9 s)
    // here would hold the sweep lock for every delivery while GitHub struggles.
    await octokit.rest.apps.redeliverWebhookDelivery({ delivery_id: deliveryId, request: { retries: 0 } });
    return "accepted";
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    const refused = typeof status === "number" && status >= 400 && status < 500;
    log.warn({ err: error, delivery: guid, deliveryId, status: status ?? null }, `redelivery of ${guid} ${refused ? "refused" : "failed"}: ${describeGitHubError(error)}`);
    return refused ? "refused" : "failed";
  }
}
