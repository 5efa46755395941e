import { HttpError, isoSeconds, type Reply } from "./http-util.js";
import type { HookDelivery, HookDeliveryInit, HookOutcome } from "./types.js";

/** An attempt that has not been answered yet (what a fresh redelivery shows until configured otherwise). */
export const PENDING_OUTCOME: HookOutcome = { statusCode: 0, status: "pending" };

/** Builds a list item shaped like GitHub's "Simple webhook delivery". */
export function buildHookDelivery(id: number, init: HookDeliveryInit): HookDelivery {
  const deliveredAt = init.deliveredAt instanceof Date ? init.deliveredAt : new Date(init.deliveredAt);
  if (Number.isNaN(deliveredAt.getTime())) throw new Error(`addHookDelivery: invalid deliveredAt ${String(init.deliveredAt)}`);
  return {
    id,
    guid: init.guid,
    delivered_at: isoSeconds(deliveredAt),
    redelivery: init.redelivery ?? false,
    duration: init.duration ?? 0.05,
    status: init.status ?? statusText(init.statusCode),
    status_code: init.statusCode,
    event: init.event,
    action: init.action ?? null,
    installation_id: init.installationId ?? 1,
    repository_id: init.repositoryId ?? null,
    throttled_at: null,
  };
}

/** The attempt GitHub lists after `POST /app/hook/deliveries/{id}/attempts`: same event, new id, `redelivery: true`. */
export function redeliveryAttempt(id: number, original: HookDelivery, outcome: HookOutcome, now: Date): HookDelivery {
  return buildHookDelivery(id, {
    guid: original.guid,
    event: original.event,
    action: original.action,
    installationId: original.installation_id,
    repositoryId: original.repository_id,
    deliveredAt: now,
    redelivery: true,
    statusCode: outcome.statusCode,
    ...(outcome.status !== undefined ? { status: outcome.status } : {}),
    duration: outcome.statusCode === 0 ? 0 : 0.05,
  });
}

/**
 * One page of deliveries, newest first, the way GitHub pages them: `per_page` (max 100) and an opaque
 * cursor in the `Link: <...>; rel="next"` header. The cursor names the first delivery of the next page
 * by its sort key (not an offset), so deliveries arriving between two page requests do not shift pages.
 */
export function listHookDeliveries(all: HookDelivery[], query: Record<string, string>, selfUrl: string): Reply {
  const perPage = Math.min(Math.max(Number(query["per_page"] ?? 30) || 30, 1), 100);
  const sorted = [...all].sort((a, b) => compareKeys(sortKey(b), sortKey(a)));
  let start = 0;
  if (query["cursor"] !== undefined) {
    const from = parseCursor(query["cursor"]);
    start = sorted.findIndex((d) => compareKeys(sortKey(d), from) <= 0);
    if (start === -1) start = sorted.length;
  }
  const page = sorted.slice(start, start + perPage);
  const next = sorted[start + perPage];
  const headers: Record<string, string> = {};
  if (next) {
    const url = new URL(selfUrl);
    url.searchParams.set("per_page", String(perPage));
    url.searchParams.set("cursor", formatCursor(sortKey(next)));
    headers["link"] = `<${url.toString()}>; rel="next"`;
  }
  return { status: 200, json: page.map(deliverySummary), headers };
}

/** The list route leaves out what only the single-delivery route returns. */
function deliverySummary(delivery: HookDelivery): Record<string, unknown> {
  const { request: _request, response: _response, url: _url, ...summary } = delivery;
  return summary;
}

type SortKey = [deliveredMs: number, id: number];

function sortKey(delivery: HookDelivery): SortKey {
  return [Date.parse(delivery.delivered_at), delivery.id];
}

function compareKeys(a: SortKey, b: SortKey): number {
  return a[0] - b[0] || a[1] - b[1];
}

function formatCursor([ms, id]: SortKey): string {
  return `v1_${ms}_${id}`;
}

function parseCursor(cursor: string): SortKey {
  const match = /^v1_(\d+)_(\d+)$/.exec(cursor);
  if (!match) throw new HttpError(400, "Invalid cursor");
  return [Number(match[1]), Number(match[2])];
}

function statusText(code: number): string {
  if (code === 0) return "failed to connect";
  if (code >= 200 && code < 300) return "OK";
  return `Invalid HTTP Response: ${code}`;
}
