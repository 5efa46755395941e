import { createProbot } from "probot";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sweepDeliveries, type AppOctokit, type SweepDeps } from "../../../src/ingest/redelivery/sweep-deliveries.js";
import { createAppKey } from "../../fake-github/app-key.js";
import { startFakeGitHub, type FakeGitHub, type HookDeliveryInit } from "../../fake-github/fake-github.js";
import { memoryLog } from "../../helpers/memory-log.js";

const APP_ID = 4343;
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const key = createAppKey();

let fake: FakeGitHub;
let octokit: AppOctokit;

beforeAll(async () => {
  fake = await startFakeGitHub({ appId: APP_ID, publicKey: key.publicKey });
  const probot = createProbot({
    env: { APP_ID: String(APP_ID), PRIVATE_KEY: key.privateKey, GHE_HOST: fake.host, GHE_PROTOCOL: "http", LOG_LEVEL: "error" },
  });
  octokit = await probot.auth();
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => {
  fake.resetRecords();
});

/** In-memory stand-ins for the store, recording what the sweep asked. */
function harness(options: { now: number; lastSweepAt?: number | null; recorded?: string[]; events?: ReadonlySet<string> }) {
  const memory = memoryLog();
  const state = {
    now: options.now,
    lastSweepAt: options.lastSweepAt ?? null,
    recorded: new Set(options.recorded ?? []),
    asked: [] as string[],
    setCalls: [] as number[],
  };
  const deps: SweepDeps = {
    octokit,
    isRecorded: async (guid) => {
      state.asked.push(guid);
      return state.recorded.has(guid);
    },
    lastSweepAt: async () => state.lastSweepAt,
    setLastSweepAt: async (at) => {
      state.setCalls.push(at);
      state.lastSweepAt = at;
    },
    now: () => state.now,
    log: memory.log,
    ...(options.events ? { events: options.events } : {}),
  };
  return { deps, state, lines: memory.lines };
}

function add(guid: string, deliveredAt: number, statusCode: number, extra: Partial<HookDeliveryInit> = {}) {
  return fake.addHookDelivery({ guid, event: "push", statusCode, deliveredAt, ...extra });
}

function listRequests() {
  return fake.requests.filter((r) => r.operationId === "apps/list-webhook-deliveries");
}

function redeliveryRequests() {
  return fake.requests.filter((r) => r.operationId === "apps/redeliver-webhook-delivery").map((r) => `${r.path} ${r.status}`);
}

describe("sweepDeliveries", () => {
  it("first sweep looks back over GitHub's 3-day window and no further", async () => {
    const t0 = Date.now();
    const recent = add("recent", t0 - HOUR, 502);
    for (let i = 0; i < 120; i++) add(`ok-${i}`, t0 - 2 * HOUR - i * MIN, 202);
    const edge = add("edge", t0 - 3 * DAY + 2 * MIN, 0);
    add("too-old", t0 - 3 * DAY - 2 * MIN, 502);
    for (let i = 0; i < 150; i++) add(`old-${i}`, t0 - 4 * DAY - i * MIN, 502);
    const { deps, state, lines } = harness({ now: t0 });

    const report = await sweepDeliveries(deps);

    // 122 newest: page 1 holds 100, page 2 reaches past the window; the 3rd page is never asked for.
    expect(report).toEqual({ scanned: 122, redelivered: [recent.id, edge.id], skipped: 0, pages: 2 });
    expect(fake.redeliveries).toEqual([recent.id, edge.id]);
    const lists = listRequests();
    expect(lists.map((r) => [r.status, r.query["per_page"], r.query["cursor"] !== undefined])).toEqual([
      [200, "100", false],
      [200, "100", true],
    ]);
    expect(state.asked).toEqual(["recent", "edge"]);
    expect(state.setCalls).toEqual([t0]);
    const summary = lines().map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l["msg"]).startsWith("redelivery sweep"));
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({ level: 30, scanned: 122, pages: 2, skipped: 0, redelivered: [recent.id, edge.id], since: new Date(t0 - 3 * DAY).toISOString() });
  });

  it("a later sweep pages back to the last sweep minus the 5-minute margin only", async () => {
    const t0 = Date.now();
    for (let i = 0; i < 150; i++) add(`new-${i}`, t0 - 50 * MIN + i * 10_000, 200);
    const inMargin = add("in-margin", t0 - HOUR - 4 * MIN, 502);
    add("before-margin", t0 - HOUR - 6 * MIN, 502);
    for (let i = 0; i < 200; i++) add(`older-${i}`, t0 - 2 * HOUR - i * MIN, 502);
    const { deps, state } = harness({ now: t0, lastSweepAt: t0 - HOUR });

    const report = await sweepDeliveries(deps);

    expect(report).toEqual({ scanned: 151, redelivered: [inMargin.id], skipped: 0, pages: 2 });
    expect(listRequests()).toHaveLength(2);
    expect(fake.redeliveries).toEqual([inMargin.id]);
    expect(state.lastSweepAt).toBe(t0);
  });

  it("never looks back further than 3 days, however long ago the last sweep was", async () => {
    const t0 = Date.now();
    const inside = add("inside", t0 - 3 * DAY + MIN, 502);
    add("outside", t0 - 3 * DAY - MIN, 502);
    const { deps } = harness({ now: t0, lastSweepAt: t0 - 5 * DAY });

    expect(await sweepDeliveries(deps)).toEqual({ scanned: 1, redelivered: [inside.id], skipped: 0, pages: 1 });
    expect(fake.redeliveries).toEqual([inside.id]);
  });

  it("redelivers each undelivered, unrecorded, handled event once, and not again while in flight", async () => {
    const t0 = Date.now();
    add("mixed", t0 - 20 * MIN, 503);
    add("mixed", t0 - 19 * MIN, 200, { redelivery: true });
    add("failed-twice", t0 - 40 * MIN, 502);
    const failedRedelivery = add("failed-twice", t0 - 30 * MIN, 0, { redelivery: true });
    add("recorded", t0 - 25 * MIN, 502);
    add("unhandled", t0 - 15 * MIN, 502, { event: "issues", action: "opened" });
    const checkRun = add("check-run", t0 - 10 * MIN, 500, { event: "check_run", action: "rerequested" });
    add("in-flight", t0 - 8 * MIN, 502);
    add("in-flight", t0 - 2 * MIN, 0, { redelivery: true, status: "pending" });
    add("ok", t0 - 4 * MIN, 202);
    const { deps, state } = harness({ now: t0, recorded: ["recorded"] });

    const first = await sweepDeliveries(deps);

    // Newest attempt first; for "failed-twice" that is the failed redelivery, not the original.
    expect(first).toEqual({ scanned: 10, redelivered: [checkRun.id, failedRedelivery.id], skipped: 2, pages: 1 });
    expect(fake.redeliveries).toEqual([checkRun.id, failedRedelivery.id]);
    expect(state.asked).toEqual(["check-run", "recorded", "failed-twice"]);
    expect(redeliveryRequests()).toEqual([
      `/app/hook/deliveries/${checkRun.id}/attempts 202`,
      `/app/hook/deliveries/${failedRedelivery.id}/attempts 202`,
    ]);

    // The fake lists the two requested redeliveries as pending attempts: the next sweep leaves them be.
    state.now = Date.now();
    const second = await sweepDeliveries(deps);

    // In the window (t0 - 5 min on): in-flight's redelivery, ok, and the two new pending attempts.
    expect(second).toEqual({ scanned: 4, redelivered: [], skipped: 3, pages: 1 });
    expect(fake.redeliveries).toEqual([checkRun.id, failedRedelivery.id]);
    expect(state.asked).toEqual(["check-run", "recorded", "failed-twice"]);
    expect(state.setCalls).toEqual([t0, state.now]);
  });

  it("asks again for an event whose last redelivery failed longer than 10 minutes ago", async () => {
    const t0 = Date.now();
    add("stale", t0 - 30 * MIN, 502);
    const staleRedelivery = add("stale", t0 - 11 * MIN, 502, { redelivery: true });
    add("fresh", t0 - 30 * MIN, 502);
    add("fresh", t0 - 9 * MIN, 502, { redelivery: true });
    const { deps } = harness({ now: t0, lastSweepAt: t0 - 20 * MIN });

    expect(await sweepDeliveries(deps)).toEqual({ scanned: 2, redelivered: [staleRedelivery.id], skipped: 1, pages: 1 });
    expect(fake.redeliveries).toEqual([staleRedelivery.id]);
  });

  it("only redelivers the configured events", async () => {
    const t0 = Date.now();
    const issue = add("issue", t0 - 2 * MIN, 502, { event: "issues", action: "opened" });
    add("push", t0 - MIN, 502);
    const { deps, state } = harness({ now: t0, events: new Set(["issues"]) });

    expect(await sweepDeliveries(deps)).toEqual({ scanned: 2, redelivered: [issue.id], skipped: 0, pages: 1 });
    expect(state.asked).toEqual(["issue"]);
  });

  it("a 422 for one delivery is logged and skipped; the others are redelivered and the sweep completes", async () => {
    const t0 = Date.now();
    const p1 = add("p1", t0 - 3 * MIN, 502);
    const p2 = add("p2", t0 - 2 * MIN, 502);
    const p3 = add("p3", t0 - MIN, 502);
    fake.failNext("POST", new RegExp(`^/app/hook/deliveries/${p2.id}/attempts$`), 422);
    const { deps, state, lines } = harness({ now: t0 });

    const report = await sweepDeliveries(deps);

    expect(report).toEqual({ scanned: 3, redelivered: [p3.id, p1.id], skipped: 1, pages: 1 });
    expect(fake.redeliveries).toEqual([p3.id, p1.id]);
    expect(redeliveryRequests()).toEqual([
      `/app/hook/deliveries/${p3.id}/attempts 202`,
      `/app/hook/deliveries/${p2.id}/attempts 422`,
      `/app/hook/deliveries/${p1.id}/attempts 202`,
    ]);
    expect(state.setCalls).toEqual([t0]);
    const warnings = lines().map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l["level"] === 40);
    expect(warnings.map((w) => [w["msg"], w["deliveryId"], w["status"]])).toEqual([[`redelivery of p2 refused: GitHub answered 422 to POST /api/v3/app/hook/deliveries/${p2.id}/attempts`, p2.id, 422]]);
  });

  it("a 5xx for one redelivery request leaves lastSweepAt, so the next sweep asks again", async () => {
    const t0 = Date.now();
    const p1 = add("p1", t0 - 3 * MIN, 502);
    const p2 = add("p2", t0 - 2 * MIN, 502);
    fake.failNext("POST", new RegExp(`^/app/hook/deliveries/${p2.id}/attempts$`), 502);
    const { deps, state } = harness({ now: t0, lastSweepAt: t0 - HOUR });

    expect(await sweepDeliveries(deps)).toEqual({ scanned: 2, redelivered: [p1.id], skipped: 1, pages: 1 });
    // Tried once (no Octokit retry inside the sweep), and the window stays where it was.
    expect(redeliveryRequests()).toEqual([`/app/hook/deliveries/${p2.id}/attempts 502`, `/app/hook/deliveries/${p1.id}/attempts 202`]);
    expect(state.setCalls).toEqual([]);
    expect(state.lastSweepAt).toBe(t0 - HOUR);

    state.now = Date.now();
    expect(await sweepDeliveries(deps)).toEqual({ scanned: 3, redelivered: [p2.id], skipped: 1, pages: 1 });
    expect(fake.redeliveries).toEqual([p1.id, p2.id]);
    expect(state.setCalls).toEqual([state.now]);
  });

  it("rejects without redelivering or advancing lastSweepAt when the deliveries cannot be listed", async () => {
    const t0 = Date.now();
    const p1 = add("p1", t0 - 2 * MIN, 502);
    // Probot's Octokit retries a 500 three times (1 + 4 + 9 s); fail all four attempts.
    fake.failNext("GET", /^\/app\/hook\/deliveries$/, 500, 4);
    const { deps, state } = harness({ now: t0, lastSweepAt: t0 - HOUR });

    await expect(sweepDeliveries(deps)).rejects.toMatchObject({ status: 500 });
    expect(listRequests().map((r) => r.status)).toEqual([500, 500, 500, 500]);
    expect(fake.redeliveries).toEqual([]);
    expect(state.asked).toEqual([]);
    expect(state.setCalls).toEqual([]);
    expect(state.lastSweepAt).toBe(t0 - HOUR);

    expect(await sweepDeliveries(deps)).toEqual({ scanned: 1, redelivered: [p1.id], skipped: 0, pages: 1 });
    expect(state.lastSweepAt).toBe(t0);
  });
});
