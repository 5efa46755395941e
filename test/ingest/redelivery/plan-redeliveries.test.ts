import { describe, expect, it } from "vitest";
import type { DeliveryAttempt } from "../../../src/ingest/redelivery/delivery-attempt.js";
import { planRedeliveries } from "../../../src/ingest/redelivery/plan-redeliveries.js";

const NOW = Date.parse("2025-03-01T12:00:00Z");
const EVENTS = new Set(["push"]);

function attempt(id: number, guid: string, secondsAgo: number, statusCode: number, redelivery = false, event = "push"): DeliveryAttempt {
  return { id, guid, delivered_at: new Date(NOW - secondsAgo * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"), redelivery, status_code: statusCode, event };
}

describe("planRedeliveries", () => {
  it("picks the newest attempt of a GUID whatever the input order, ids breaking ties within a second", () => {
    const plan = planRedeliveries([attempt(7, "g", 60, 502), attempt(9, "g", 60, 0), attempt(8, "g", 60, 502), attempt(3, "g", 3600, 502)], { events: EVENTS, now: NOW });
    expect(plan).toEqual({ candidates: [{ guid: "g", event: "push", deliveryId: 9 }], inFlight: [], givenUp: [] });
  });

  it("treats only 2xx as delivered", () => {
    const plan = planRedeliveries(
      [attempt(1, "a", 60, 199), attempt(2, "b", 60, 200), attempt(3, "c", 60, 299), attempt(4, "d", 60, 300), attempt(5, "e", 60, 0)],
      { events: EVENTS, now: NOW },
    );
    expect(plan.candidates.map((c) => c.guid)).toEqual(["a", "d", "e"]);
  });

  it("a redelivery is in flight for 10 minutes; an older failed one is asked for again", () => {
    const plan = planRedeliveries(
      [attempt(1, "young", 599, 0, true), attempt(2, "old", 601, 502, true), attempt(3, "original-only", 10, 502, false)],
      { events: EVENTS, now: NOW },
    );
    expect(plan).toEqual({
      candidates: [
        { guid: "old", event: "push", deliveryId: 2 },
        { guid: "original-only", event: "push", deliveryId: 3 },
      ],
      inFlight: ["young"],
      givenUp: [],
    });
  });

  it("gives an event up after three failed redeliveries", () => {
    const refused = [attempt(1, "g", 7200, 400), attempt(2, "g", 5400, 400, true), attempt(3, "g", 3600, 400, true)];
    expect(planRedeliveries(refused, { events: EVENTS, now: NOW }).candidates).toEqual([{ guid: "g", event: "push", deliveryId: 3 }]);
    const plan = planRedeliveries([...refused, attempt(4, "g", 1800, 400, true)], { events: EVENTS, now: NOW });
    expect(plan).toEqual({ candidates: [], inFlight: [], givenUp: ["g"] });
  });

  it("ignores events outside the set entirely", () => {
    expect(planRedeliveries([attempt(1, "i", 60, 502, false, "issues")], { events: EVENTS, now: NOW })).toEqual({ candidates: [], inFlight: [], givenUp: [] });
  });
});
