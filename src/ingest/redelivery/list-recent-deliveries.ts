import type { ProbotOctokit } from "probot";
import type { DeliveryAttempt } from "./delivery-attempt.js";

export interface RecentDeliveries {
  /** Attempts delivered at or after `since`, newest first. */
  attempts: DeliveryAttempt[];
  pages: number;
}

/**
 * Lists the app's webhook delivery attempts back to `since`. GitHub lists newest first, so paging stops
 * at the first page that reaches past `since`: a sweep costs pages for the new deliveries only.
 */
export async function listRecentDeliveries(octokit: ProbotOctokit, since: number): Promise<RecentDeliveries> {
  const attempts: DeliveryAttempt[] = [];
  let pages = 0;
  for await (const response of octokit.paginate.iterator(octokit.rest.apps.listWebhookDeliveries, { per_page: 100 })) {
    pages += 1;
    let reachedSince = false;
    for (const attempt of response.data) {
      // An unparsable time is kept (NaN compares false): better a wasted look than a lost event.
      if (Date.parse(attempt.delivered_at) < since) reachedSince = true;
      else attempts.push(attempt);
    }
    if (reachedSince) break;
  }
  return { attempts, pages };
}
