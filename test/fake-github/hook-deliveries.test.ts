import { Ajv } from "ajv";
import { ProbotOctokit } from "probot";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createAppKey, signAppJwt } from "./app-key.js";
import { startFakeGitHub, type FakeGitHub } from "./fake-github.js";
import { readSpec } from "./openapi-operations.js";
import { toJsonSchema } from "./to-json-schema.js";

const APP_ID = 4444;
const key = createAppKey();
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const T0 = Date.parse("2025-03-01T12:00:00Z");

let fake: FakeGitHub;

beforeAll(async () => {
  fake = await startFakeGitHub({ appId: APP_ID, publicKey: key.publicKey });
});

afterAll(async () => {
  await fake?.close();
});

beforeEach(() => {
  fake.resetRecords();
});

function appOctokit(): InstanceType<typeof ProbotOctokit> {
  return new ProbotOctokit({
    auth: { appId: APP_ID, privateKey: key.privateKey },
    baseUrl: fake.apiUrl,
    throttle: { enabled: false },
    retry: { enabled: false },
    log: silent,
  });
}

async function get(path: string, authorization?: string): Promise<{ status: number; json: unknown; link: string | null }> {
  const response = await fetch(`${fake.apiUrl}${path}`, {
    headers: { accept: "application/vnd.github+json", ...(authorization ? { authorization } : {}) },
  });
  return { status: response.status, json: await response.json(), link: response.headers.get("link") };
}

function expectListSchema(body: unknown): void {
  const spec = readSpec() as { paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: object }> }> } }> };
  const schema = spec.paths["/app/hook/deliveries"]?.get.responses["200"]?.content["application/json"]?.schema;
  expect(schema).toBeDefined();
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat("date-time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
  const validate = ajv.compile(toJsonSchema(schema) as object);
  expect(validate(body), ajv.errorsText(validate.errors)).toBe(true);
}

describe("fake GitHub webhook deliveries", () => {
  it("addHookDelivery builds items shaped like GitHub's, with fresh growing ids", () => {
    const first = fake.addHookDelivery({ guid: "g-1", event: "push", statusCode: 502, deliveredAt: T0 + 1_234 });
    const second = fake.addHookDelivery({ guid: "g-2", event: "check_run", statusCode: 200, deliveredAt: new Date(T0), redelivery: true, action: "rerequested", repositoryId: 7 });
    const third = fake.addHookDelivery({ guid: "g-3", event: "push", statusCode: 0, deliveredAt: "2025-03-01T12:00:00Z" });
    expect(first).toEqual({
      id: first.id,
      guid: "g-1",
      delivered_at: "2025-03-01T12:00:01Z",
      redelivery: false,
      duration: 0.05,
      status: "Invalid HTTP Response: 502",
      status_code: 502,
      event: "push",
      action: null,
      installation_id: 1,
      repository_id: null,
      throttled_at: null,
    });
    expect(second).toMatchObject({ status: "OK", redelivery: true, action: "rerequested", repository_id: 7 });
    expect(third.status).toBe("failed to connect");
    expect([second.id - first.id, third.id - second.id]).toEqual([1, 1]);
    expect(fake.hookDeliveries).toEqual([first, second, third]);
    expect(() => fake.addHookDelivery({ guid: "x", event: "push", statusCode: 200, deliveredAt: "yesterday" })).toThrow(/invalid deliveredAt/);
  });

  it("lists newest first, pages by per_page with a cursor in the Link header, and matches GitHub's schema", async () => {
    // Added out of order: the list is sorted by delivery time (ids break ties), not by insertion.
    const ids = [3, 0, 4, 1, 2].map((minute) => fake.addHookDelivery({ guid: `g-${minute}`, event: "push", statusCode: 200, deliveredAt: T0 + minute * 60_000 }).id);
    const sameSecond = fake.addHookDelivery({ guid: "g-4b", event: "push", statusCode: 200, deliveredAt: T0 + 4 * 60_000 }).id;
    const jwt = `Bearer ${signAppJwt(key.privateKey, APP_ID)}`;

    const page1 = await get("/app/hook/deliveries?per_page=4", jwt);
    expect(page1.status).toBe(200);
    expectListSchema(page1.json);
    expect((page1.json as Array<{ guid: string }>).map((d) => d.guid)).toEqual(["g-4b", "g-4", "g-3", "g-2"]);
    const next = /^<([^>]+)>; rel="next"$/.exec(page1.link ?? "");
    expect(next, page1.link ?? "no link").not.toBeNull();
    const nextUrl = new URL(next![1]!);
    expect(nextUrl.pathname).toBe("/api/v3/app/hook/deliveries");
    expect(nextUrl.searchParams.get("per_page")).toBe("4");
    expect(nextUrl.searchParams.get("cursor")).toMatch(/^v1_/);

    const page2 = await get(`${nextUrl.pathname.slice("/api/v3".length)}${nextUrl.search}`, jwt);
    expect((page2.json as Array<{ guid: string }>).map((d) => d.guid)).toEqual(["g-1", "g-0"]);
    expect(page2.link).toBeNull();

    // Octokit follows the same links; the whole list is every delivery once, newest first.
    const all = await appOctokit().paginate(appOctokit().rest.apps.listWebhookDeliveries, { per_page: 2 });
    expect(all.map((d) => d.id)).toEqual([sameSecond, ids[2], ids[0], ids[4], ids[3], ids[1]]);
    expect(fake.requests.filter((r) => r.operationId === "apps/list-webhook-deliveries")).toHaveLength(2 + 3);
  });

  it("keeps pages stable when deliveries arrive between page requests", async () => {
    for (let i = 0; i < 5; i++) fake.addHookDelivery({ guid: `g-${i}`, event: "push", statusCode: 502, deliveredAt: T0 + i * 1_000 });
    const jwt = `Bearer ${signAppJwt(key.privateKey, APP_ID)}`;
    const page1 = await get("/app/hook/deliveries?per_page=3", jwt);
    fake.addHookDelivery({ guid: "late", event: "push", statusCode: 200, deliveredAt: T0 + 10_000 });
    const next = new URL(/<([^>]+)>/.exec(page1.link ?? "")![1]!);
    const page2 = await get(`/app/hook/deliveries${next.search}`, jwt);
    expect((page1.json as Array<{ guid: string }>).map((d) => d.guid)).toEqual(["g-4", "g-3", "g-2"]);
    expect((page2.json as Array<{ guid: string }>).map((d) => d.guid)).toEqual(["g-1", "g-0"]);
    expect((await get("/app/hook/deliveries?cursor=42", jwt)).status).toBe(400);
  });

  it("requires the app JWT", async () => {
    fake.addHookDelivery({ guid: "g", event: "push", statusCode: 502, deliveredAt: T0 });
    const token = ((await appOctokit().auth({ type: "installation", installationId: 1 })) as { token: string }).token;
    expect((await get("/app/hook/deliveries")).status).toBe(401);
    expect((await get("/app/hook/deliveries", `token ${token}`)).status).toBe(401);
    // (Not through Octokit: its app auth sends a JWT to /app/* routes even when given an installation.)
    const post = await fetch(`${fake.apiUrl}/app/hook/deliveries/${fake.hookDeliveries[0]!.id}/attempts`, { method: "POST", headers: { authorization: `token ${token}` } });
    expect(post.status).toBe(401);
    expect(fake.redeliveries).toEqual([]);
  });

  it("a redelivery request appends a redelivery attempt of the same event, pending or with the configured outcome", async () => {
    const original = fake.addHookDelivery({ guid: "g", event: "check_suite", action: "requested", statusCode: 502, deliveredAt: T0, repositoryId: 9 });
    const octokit = appOctokit();
    const before = Date.now();
    const accepted = await octokit.rest.apps.redeliverWebhookDelivery({ delivery_id: original.id });
    expect(accepted.status).toBe(202);
    fake.redeliveryOutcome = { statusCode: 202 };
    await octokit.rest.apps.redeliverWebhookDelivery({ delivery_id: original.id });
    await expect(octokit.rest.apps.redeliverWebhookDelivery({ delivery_id: 999_999_999 })).rejects.toMatchObject({ status: 404 });

    expect(fake.redeliveries).toEqual([original.id, original.id]);
    const list = await octokit.rest.apps.listWebhookDeliveries({ per_page: 100 });
    expectListSchema(list.data);
    const [newest, pending, first] = list.data;
    expect(list.data).toHaveLength(3);
    expect(first).toEqual(original);
    const same = { guid: "g", event: "check_suite", action: "requested", installation_id: 1, repository_id: 9, redelivery: true };
    expect(pending).toMatchObject({ ...same, status: "pending", status_code: 0 });
    expect(newest).toMatchObject({ ...same, status: "OK", status_code: 202 });
    expect(newest!.id).toBeGreaterThan(pending!.id);
    expect(pending!.id).toBeGreaterThan(original.id);
    expect(Date.parse(pending!.delivered_at)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  });
});
