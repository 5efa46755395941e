import type { DeliveryAttempt } from "./delivery-attempt.js";

/** A redelivery asked for shortly before may not be answered (or listed as answered) for a while. */
export const IN_FLIGHT_MS = 10 * 60 * 1000;
/** An event gantry refused this often (a changed secret, say) will not be taken by asking again and again. */
export const MAX_REDELIVERIES = 3;

export interface RedeliveryCandidate {
  guid: string;
  event: string;
  /** The newest attempt: GitHub redelivers any attempt of the event, and the newest is surely still redeliverable. */
  deliveryId: number;
}

export interface RedeliveryPlan {
  /** GUIDs of handled events that no attempt delivered; the caller still checks what gantry recorded. */
  candidates: RedeliveryCandidate[];
  /** GUIDs left alone because the redelivery asked for last is still in flight. */
  inFlight: string[];
  /** GUIDs redelivered MAX_REDELIVERIES times without success: left for a person to look at. */
  givenUp: string[];
}

/**
 * Groups attempts by GUID (one GUID = one event) and picks the events worth redelivering. Pure, so
 * the rules can be read in one place; `attempts` may come in any order.
 */
export function planRedeliveries(attempts: readonly DeliveryAttempt[], options: { events: ReadonlySet<string>; now: number }): RedeliveryPlan {
  const byGuid = new Map<string, DeliveryAttempt[]>();
  for (const attempt of attempts) {
    if (!options.events.has(attempt.event)) continue;
    const group = byGuid.get(attempt.guid);
    if (group) group.push(attempt);
    else byGuid.set(attempt.guid, [attempt]);
  }
  const plan: RedeliveryPlan = { candidates: [], inFlight: [], givenUp: [] };
  for (const [guid, group] of byGuid) {
    if (group.some((attempt) => isSuccess(attempt.status_code))) continue;
    const newest = group.reduce((a, b) => (compareRecency(a, b) >= 0 ? a : b));
    // A redelivery that failed after IN_FLIGHT_MS is over; asking again is what it takes to get the event.
    if (newest.redelivery && options.now - Date.parse(newest.delivered_at) < IN_FLIGHT_MS) {
      plan.inFlight.push(guid);
      continue;
    }
    if (group.filter((attempt) => attempt.redelivery).length >= MAX_REDELIVERIES) {
      plan.givenUp.push(guid);
      continue;
    }
    plan.candidates.push({ guid, event: newest.event, deliveryId: newest.id });
  }
  return plan;
}

function isSuccess(statusCode: number): boolean {
  return statusCode >= 200 && statusCode < 300;
}

/** Positive when `a` is the newer attempt; ids grow with time, so they break ties within a second. */
function compareRecency(a: DeliveryAttempt, b: DeliveryAttempt): number {
  return Date.parse(a.delivered_at) - Date.parse(b.delivered_at) || a.id - b.id;
}
