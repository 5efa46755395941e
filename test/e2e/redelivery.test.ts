import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HookDelivery } from "../fake-github/fake-github.js";
import { pushPayload } from "../helpers/push-payload.js";
import { startStack, type Stack } from "./stack.js";

let stack: Stack;
const listed: Record<string, HookDelivery> = {};
const hoursAgo = (h: number) => Date.now() - h * 3_600_000;

beforeAll(async () => {
  stack = await startStack({ GANTRY_REDELIVERY_INTERVAL_SECONDS: "2" }, {
    beforeApp(fake) {
      // what GitHub's delivery log shows when gantry first starts
      listed["failed"] = fake.addHookDelivery({ guid: "11111111-1111-1111-1111-111111111111", event: "push", statusCode: 0, deliveredAt: hoursAgo(5) });
      listed["delivered"] = fake.addHookDelivery({ guid: "22222222-2222-2222-2222-222222222222", event: "push", statusCode: 202, deliveredAt: hoursAgo(4) });
      listed["retried-ok"] = fake.addHookDelivery({ guid: "33333333-3333-3333-3333-333333333333", event: "push", statusCode: 502, deliveredAt: hoursAgo(3) });
      fake.addHookDelivery({ guid: "33333333-3333-3333-3333-333333333333", event: "push", statusCode: 202, deliveredAt: hoursAgo(2), redelivery: true });
      listed["unhandled"] = fake.addHookDelivery({ guid: "44444444-4444-4444-4444-444444444444", event: "issues", statusCode: 0, deliveredAt: hoursAgo(1) });
      listed["too-old"] = fake.addHookDelivery({ guid: "55555555-5555-5555-5555-555555555555", event: "push", statusCode: 0, deliveredAt: hoursAgo(80) });
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

describe("redelivery of failed deliveries", () => {
  it("asks GitHub at start-up to redeliver, within three days, each handled delivery that never succeeded", async () => {
    await stack.fake.waitFor(() => stack.fake.redeliveries.length >= 1);
    expect(stack.fake.redeliveries).toEqual([listed["failed"]!.id]);
  });

  it("never asks again for a delivery it recorded, even when GitHub lists it as failed (an answer that came too late)", async () => {
    const repo = await stack.repo("received", { ".github/gantry.yml": "pipelines:\n  x:\n    steps:\n      - run: echo x\n" });
    const sha = (await repo.resolve("refs/heads/main"))!;
    const guid = "66666666-6666-6666-6666-666666666666";
    const payload = JSON.stringify(pushPayload({ owner: "octo", repo: "received", repoId: repo.id, ref: "refs/heads/main", before: "0".repeat(40), after: sha, commits: [{ id: sha, message: "late" }] }));
    expect((await stack.deliver(payload, { deliveryId: guid })).status).toBe(202);
    await stack.completed(repo, sha, "x");
    const late = stack.fake.addHookDelivery({ guid, event: "push", statusCode: 0, deliveredAt: Date.now(), status: "timed out" });
    // and one that really failed, in the same window: asked for, which shows the sweep saw both
    const lost = stack.fake.addHookDelivery({ guid: "77777777-7777-7777-7777-777777777777", event: "push", statusCode: 0, deliveredAt: Date.now() });
    await stack.fake.waitFor(() => stack.fake.redeliveries.includes(lost.id), 15_000);
    expect(stack.fake.redeliveries).not.toContain(late.id);
    expect(stack.fake.redeliveries).toEqual([listed["failed"]!.id, lost.id]);
  });
});
