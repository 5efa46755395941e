import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { createProbot, ProbotOctokit } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { git, gitEnv, ZERO_SHA } from "../helpers/git-repo.js";
import { createAppKey, signAppJwt } from "./app-key.js";
import { startFakeGitHub, type FakeGitHub, type HostedRepo } from "./fake-github.js";
import { loadOperations, readSpec } from "./openapi-operations.js";
import { toJsonSchema } from "./to-json-schema.js";
import { createBodyValidator } from "./validate-body.js";
import { JWT_MESSAGES } from "./verify-jwt.js";

const APP_ID = 4242;
const key = createAppKey();
const otherKey = createAppKey();
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function appOctokit(fake: FakeGitHub, installationId?: number): InstanceType<typeof ProbotOctokit> {
  return new ProbotOctokit({
    auth: { appId: APP_ID, privateKey: key.privateKey, ...(installationId !== undefined ? { installationId } : {}) },
    baseUrl: fake.apiUrl,
    // Probot's write throttle (1 request/s) only slows these tests down.
    throttle: { enabled: false },
    log: silent,
  });
}

async function installationToken(fake: FakeGitHub, installationId = 1): Promise<string> {
  const auth = (await appOctokit(fake).auth({ type: "installation", installationId })) as { token: string };
  return auth.token;
}

async function api(
  fake: FakeGitHub,
  method: string,
  path: string,
  options: { token?: string; jwt?: string; body?: unknown; accept?: string } = {},
): Promise<{ status: number; json: unknown; text: string; bytes: Buffer; headers: Headers }> {
  const headers: Record<string, string> = { accept: options.accept ?? "application/vnd.github+json" };
  if (options.token) headers["authorization"] = `token ${options.token}`;
  if (options.jwt) headers["authorization"] = `Bearer ${options.jwt}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${fake.apiUrl}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const text = bytes.toString("utf8");
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // raw answers
  }
  return { status: response.status, json, text, bytes, headers: response.headers };
}

/** Checks a response body against the status code's schema in the OpenAPI subset. */
function expectMatchesResponseSchema(template: string, method: string, status: number, body: unknown): void {
  const spec = readSpec() as { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: object }> }> }>> };
  const schema = spec.paths[template]?.[method]?.responses[String(status)]?.content["application/json"]?.schema;
  expect(schema, `${method} ${template} ${status} schema`).toBeDefined();
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(toJsonSchema(schema) as object);
  expect(validate(body), ajv.errorsText(validate.errors)).toBe(true);
}

function runGit(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile("git", args, { cwd, env }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stderr });
    });
  });
}

function basicHeader(token: string): string {
  return `http.extraHeader=Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`;
}

describe("fake GitHub", () => {
  let fake: FakeGitHub;
  let repo: HostedRepo;
  let first: string;
  let second: string;
  let token: string;
  let scratch: string;

  beforeAll(async () => {
    fake = await startFakeGitHub({ appId: APP_ID, publicKey: key.publicKey });
    repo = await fake.createRepo("octo", "app");
    first = await repo.commit({ "README.md": "hello\n", "src/a.txt": "a\n", "bin/blob.dat": Buffer.from([0, 255, 1, 254]) }, "first");
    second = await repo.commit({ "src/a.txt": "a2\n", "src/b.txt": "b\n", "README.md": null }, "second");
    await repo.push("refs/heads/main", second);
    token = await installationToken(fake);
    scratch = await mkdtemp(join(tmpdir(), "fake-gh-test-"));
  });

  afterAll(async () => {
    await fake.close();
    await rm(scratch, { recursive: true, force: true });
  });

  describe("app JWT", () => {
    it("accepts a JWT signed with the app key (iss as number or string)", async () => {
      for (const iss of [APP_ID, String(APP_ID)]) {
        const res = await api(fake, "GET", "/app", { jwt: signAppJwt(key.privateKey, iss) });
        expect(res.status).toBe(200);
        expect(res.json).toMatchObject({ id: APP_ID, slug: "gantry" });
        expectMatchesResponseSchema("/app", "get", 200, res.json);
      }
    });

    it("rejects a JWT signed with another key, for another app, or malformed", async () => {
      for (const jwt of [signAppJwt(otherKey.privateKey, APP_ID), signAppJwt(key.privateKey, APP_ID + 1), "not.a.jwt", "x"]) {
        const res = await api(fake, "GET", "/app", { jwt });
        expect(res.status).toBe(401);
        expect(res.json).toMatchObject({ message: JWT_MESSAGES.undecodable });
      }
      expect((await api(fake, "GET", "/app")).status).toBe(401);
      expect((await api(fake, "GET", "/app", { token })).status).toBe(401);
    });

    it("rejects expired, too long-lived and future-issued JWTs with GitHub's messages", async () => {
      const now = Math.floor(Date.now() / 1000);
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ iat: now - 700, exp: now - 100 }, JWT_MESSAGES.expired],
        [{ iat: now, exp: now + 11 * 60 }, JWT_MESSAGES.tooFarAhead],
        [{ iat: now + 300, exp: now + 500 }, JWT_MESSAGES.issuedInFuture],
      ];
      for (const [claims, message] of cases) {
        const res = await api(fake, "GET", "/app", { jwt: signAppJwt(key.privateKey, APP_ID, claims) });
        expect(res.status).toBe(401);
        expect(res.json).toMatchObject({ message });
      }
      // Within the 60 s skew allowance.
      const skewed = signAppJwt(key.privateKey, APP_ID, { iat: now + 30, exp: now + 590 });
      expect((await api(fake, "GET", "/app", { jwt: skewed })).status).toBe(200);
    });

    it("answers GET /repos/{owner}/{repo}/installation", async () => {
      const res = await api(fake, "GET", "/repos/OCTO/App/installation", { jwt: signAppJwt(key.privateKey, APP_ID) });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ id: 1, app_id: APP_ID, account: { login: "octo" } });
      expectMatchesResponseSchema("/repos/{owner}/{repo}/installation", "get", 200, res.json);
    });
  });

  describe("installation tokens", () => {
    it("issues ghs_ tokens through Probot's own auth and records them", async () => {
      expect(token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
      expect(fake.issuedTokens).toContain(token);
      const issue = fake.requests.find((r) => r.operationId === "apps/create-installation-access-token");
      expect(issue).toMatchObject({ method: "POST", path: "/app/installations/1/access_tokens", status: 201, installationId: 1 });
    });

    it("returns expiry and permissions shaped like GitHub", async () => {
      const res = await api(fake, "POST", "/app/installations/1/access_tokens", { jwt: signAppJwt(key.privateKey, APP_ID) });
      expect(res.status).toBe(201);
      expectMatchesResponseSchema("/app/installations/{installation_id}/access_tokens", "post", 201, res.json);
      const body = res.json as { expires_at: string; permissions: Record<string, string> };
      const lifetime = Date.parse(body.expires_at) - Date.now();
      expect(lifetime).toBeGreaterThan(59 * 60 * 1000);
      expect(lifetime).toBeLessThanOrEqual(60 * 60 * 1000);
      expect(body.permissions).toMatchObject({ checks: "write", contents: "read" });
    });

    it("404s an unknown installation and 401s an unknown token", async () => {
      const res = await api(fake, "POST", "/app/installations/999/access_tokens", { jwt: signAppJwt(key.privateKey, APP_ID) });
      expect(res.status).toBe(404);
      const bad = await api(fake, "GET", `/repos/octo/app/check-runs/1`, { token: "ghs_nope" });
      expect(bad.status).toBe(401);
      expect(bad.json).toMatchObject({ message: "Bad credentials" });
    });

    it("hides repos of other installations", async () => {
      const other = await fake.createRepo("elsewhere", "lib", { installationId: 7 });
      const sha = await other.commit({ "x.txt": "x" }, "x");
      await other.push("refs/heads/main", sha);
      const res = await api(fake, "POST", "/repos/elsewhere/lib/check-runs", { token, body: { name: "ci", head_sha: sha } });
      expect(res.status).toBe(404);
      const token7 = await installationToken(fake, 7);
      const ok = await api(fake, "POST", "/repos/elsewhere/lib/check-runs", { token: token7, body: { name: "ci", head_sha: sha } });
      expect(ok.status).toBe(201);
      expect(fake.requests.at(-1)?.installationId).toBe(7);
    });
  });

  describe("check runs", () => {
    it("creates (201) and updates a check run, keeping merged state and body history", async () => {
      const octokit = appOctokit(fake, 1);
      const created = await octokit.rest.checks.create({
        owner: "octo",
        repo: "app",
        name: "build",
        head_sha: second,
        status: "in_progress",
        started_at: new Date().toISOString(),
        output: { title: "Building", summary: "running" },
      });
      expect(created.status).toBe(201);
      expectMatchesResponseSchema("/repos/{owner}/{repo}/check-runs", "post", 201, created.data);
      const id = created.data.id;
      const updated = await octokit.rest.checks.update({
        owner: "octo",
        repo: "app",
        check_run_id: id,
        conclusion: "success",
        output: {
          title: "Built",
          summary: "ok",
          annotations: [{ path: "src/a.txt", start_line: 1, end_line: 1, annotation_level: "notice", message: "hi" }],
        },
      });
      expect(updated.status).toBe(200);
      expect(updated.data).toMatchObject({ status: "completed", conclusion: "success", output: { annotations_count: 1 } });

      const run = fake.checkRuns.get(id);
      expect(run).toMatchObject({
        owner: "octo",
        repo: "app",
        name: "build",
        head_sha: second,
        status: "completed",
        conclusion: "success",
        output: { title: "Built", summary: "ok", annotations_count: 1 },
      });
      expect(run?.completed_at).toMatch(/Z$/);
      expect(run?.history).toHaveLength(2);
      expect(run?.history[0]).toMatchObject({ name: "build", status: "in_progress" });
      expect(run?.history[1]).toMatchObject({ conclusion: "success" });
      expect(fake.checkRunsFor("Octo", "APP").map((r) => r.id)).toContain(id);

      const fetched = await octokit.rest.checks.get({ owner: "octo", repo: "app", check_run_id: id });
      expect(fetched.data.conclusion).toBe("success");
      const listed = await octokit.rest.checks.listForRef({ owner: "octo", repo: "app", ref: "main" });
      expect(listed.data.check_runs.map((r) => r.id)).toContain(id);
      expectMatchesResponseSchema("/repos/{owner}/{repo}/commits/{ref}/check-runs", "get", 200, listed.data);
    });

    it("422s bodies that violate the schema, records them, and leaves state untouched", async () => {
      const before = fake.requests.length;
      const bogus = await api(fake, "POST", "/repos/octo/app/check-runs", { token, body: { name: "x", head_sha: second, status: "bogus" } });
      expect(bogus.status).toBe(422);
      const message = (bogus.json as { message: string }).message;
      expect(message).toMatch(/^Invalid request\.\n\n/);
      expect(message).toContain('body/status must be equal to one of the allowed values: "queued", "in_progress", "completed" (got "bogus")');

      const long = await api(fake, "POST", "/repos/octo/app/check-runs", {
        token,
        body: { name: "x", head_sha: second, output: { title: "t", summary: "s".repeat(65536) } },
      });
      expect(long.status).toBe(422);
      expect((long.json as { message: string }).message).toContain("65535");

      const missing = await api(fake, "POST", "/repos/octo/app/check-runs", { token, body: { head_sha: second } });
      expect(missing.status).toBe(422);
      expect((missing.json as { message: string }).message).toContain("name");

      const badDate = await api(fake, "POST", "/repos/octo/app/check-runs", { token, body: { name: "x", head_sha: second, started_at: "yesterday" } });
      expect(badDate.status).toBe(422);

      const rejected = fake.requests.slice(before);
      expect(rejected.map((r) => r.status)).toEqual([422, 422, 422, 422]);
      expect(rejected[0]?.body).toMatchObject({ status: "bogus" });
      expect([...fake.checkRuns.values()].some((r) => r.name === "x")).toBe(false);

      const ok = await api(fake, "POST", "/repos/octo/app/check-runs", { token, body: { name: "y", head_sha: second, output: { title: "t", summary: "s".repeat(65535) } } });
      expect(ok.status).toBe(201);
    });

    it("422s a summary or text over 65,535 UTF-8 bytes, as GitHub does, however few characters it has", async () => {
      // 16,384 emoji: 65,536 bytes in 16,384 code points, well within the OpenAPI's maxLength.
      for (const field of ["summary", "text"]) {
        const over = await api(fake, "POST", "/repos/octo/app/check-runs", {
          token,
          body: { name: "bytes", head_sha: second, output: { title: "t", summary: "s", [field]: "😀".repeat(16_384) } },
        });
        expect(over.status, field).toBe(422);
        expect((over.json as { message: string }).message).toBe(`Validation Failed: ${field} exceeds a maximum bytesize of 65535`);
      }
      const created = await api(fake, "POST", "/repos/octo/app/check-runs", { token, body: { name: "bytes", head_sha: second } });
      const id = (created.json as { id: number }).id;
      const update = await api(fake, "PATCH", `/repos/octo/app/check-runs/${id}`, { token, body: { output: { title: "t", summary: "日".repeat(21_846) } } });
      expect(update.status).toBe(422);
      expect(fake.checkRuns.get(id)?.output.summary).toBeNull();
      // Exactly 65,535 bytes: 16,383 emoji and 3 ASCII characters.
      const fits = await api(fake, "PATCH", `/repos/octo/app/check-runs/${id}`, {
        token,
        body: { output: { title: "t", summary: `${"😀".repeat(16_383)}abc`, text: "日".repeat(21_845) } },
      });
      expect(fits.status).toBe(200);
    });

    it("422s completing a check run without a conclusion, keeping the previous state", async () => {
      const created = await api(fake, "POST", "/repos/octo/app/check-runs", { token, body: { name: "lint", head_sha: second } });
      const id = (created.json as { id: number }).id;
      expect(fake.checkRuns.get(id)?.status).toBe("queued");
      const res = await api(fake, "PATCH", `/repos/octo/app/check-runs/${id}`, { token, body: { status: "completed" } });
      expect(res.status).toBe(422);
      expect(fake.checkRuns.get(id)).toMatchObject({ status: "queued", history: [{ name: "lint" }] });
      expect((await api(fake, "PATCH", `/repos/octo/app/check-runs/999999`, { token, body: { status: "in_progress" } })).status).toBe(404);
    });

    it("filters and paginates check runs for a ref", async () => {
      const sha = await repo.commit({ "c.txt": "c" }, "many runs");
      expect((await api(fake, "POST", "/repos/octo/app/check-runs", { token, body: { name: "early", head_sha: sha } })).status).toBe(422);
      await repo.push("refs/heads/feature", sha);
      for (let i = 0; i < 3; i++) {
        await api(fake, "POST", "/repos/octo/app/check-runs", { token, body: { name: `job-${i}`, head_sha: sha } });
      }
      await api(fake, "POST", "/repos/octo/app/check-runs", { token, body: { name: "job-0", head_sha: sha, conclusion: "failure" } });
      const latest = await api(fake, "GET", `/repos/octo/app/commits/feature/check-runs`, { token });
      expect((latest.json as { total_count: number }).total_count).toBe(3);
      expect((await api(fake, "GET", `/repos/octo/app/commits/${"f".repeat(40)}/check-runs`, { token })).status).toBe(422);
      const all = await api(fake, "GET", `/repos/octo/app/commits/${sha}/check-runs?filter=all&per_page=2`, { token });
      expect((all.json as { total_count: number; check_runs: unknown[] }).check_runs).toHaveLength(2);
      expect(all.headers.get("link")).toContain('rel="next"');
      const paged = await appOctokit(fake, 1).paginate(appOctokit(fake, 1).rest.checks.listForRef, {
        owner: "octo",
        repo: "app",
        ref: sha,
        filter: "all",
        per_page: 1,
      });
      expect(paged).toHaveLength(4);
    });
  });

  describe("routing", () => {
    it("maps every operation of the subset and compiles every request body schema", () => {
      const index = loadOperations();
      const validate = createBodyValidator();
      for (const operation of index.operations) {
        const samplePath = operation.template.replace(/\{(\w+)\}/g, (_, name: string) => (name === "path" ? "dir/file.txt" : "x1"));
        expect(index.match(operation.method, samplePath)?.operation.operationId, samplePath).toBe(operation.operationId);
        if (operation.bodySchema) expect(() => validate(operation, {})).not.toThrow();
      }
      expect(index.match("GET", "/repos/o/r/check-runs/5/annotations")?.params).toEqual({ owner: "o", repo: "r", check_run_id: "5" });
      expect(index.match("GET", "/repos/o/r/contents/a/b%20c.txt")?.params["path"]).toBe("a/b c.txt");
      expect(index.match("GET", "/repos/o/r/nope")).toBeUndefined();
    });

    it("404s and records endpoints outside the subset, and known-but-unimplemented ones", async () => {
      const unknown = await api(fake, "GET", "/repos/octo/app/pulls", { token });
      expect(unknown.status).toBe(404);
      const record = fake.requests.at(-1);
      expect(record).toMatchObject({ method: "GET", path: "/repos/octo/app/pulls", status: 404 });
      expect(record?.operationId).toBeUndefined();

      const unimplemented = await api(fake, "POST", `/repos/octo/app/statuses/${second}`, { token, body: { state: "success" } });
      expect(unimplemented.status).toBe(404);
      expect(fake.requests.at(-1)?.operationId).toBe("repos/create-commit-status");
      expect((await api(fake, "GET", "/meta")).status).toBe(200);
    });

    it("serves GET /meta without credentials, with the hooks a test sets, as the OpenAPI schema says", async () => {
      const standard = await api(fake, "GET", "/meta");
      expect(standard.status).toBe(200);
      expect((standard.json as { hooks: string[] }).hooks).toContain("192.30.252.0/22");
      expectMatchesResponseSchema("/meta", "get", 200, standard.json);
      const saved = fake.hooks;
      fake.hooks = ["10.0.0.0/8", "::1/128"];
      try {
        const changed = await api(fake, "GET", "/meta");
        expect((changed.json as { hooks: string[] }).hooks).toEqual(["10.0.0.0/8", "::1/128"]);
        expect(fake.requests.at(-1)).toMatchObject({ operationId: "meta/get", status: 200 });
      } finally {
        fake.hooks = saved;
      }
    });

    it("answers 400 to a body that is not JSON", async () => {
      const res = await fetch(`${fake.apiUrl}/repos/octo/app/check-runs`, {
        method: "POST",
        headers: { authorization: `token ${token}` },
        body: "{nope",
      });
      expect(res.status).toBe(400);
    });
  });

  describe("contents", () => {
    it("serves raw bytes for the raw media types, as Octokit's raw format gets them", async () => {
      const octokit = appOctokit(fake, 1);
      const raw = await octokit.rest.repos.getContent({ owner: "octo", repo: "app", path: "src/a.txt", ref: first, mediaType: { format: "raw" } });
      expect(raw.data).toBe("a\n");
      for (const accept of ["application/vnd.github.raw", "application/vnd.github.raw+json"]) {
        const res = await api(fake, "GET", `/repos/octo/app/contents/bin/blob.dat?ref=${first}`, { token, accept });
        expect(res.status).toBe(200);
        expect([...res.bytes]).toEqual([0, 255, 1, 254]);
      }
    });

    it("serves the JSON form with base64 content, defaulting to the default branch", async () => {
      const res = await api(fake, "GET", "/repos/octo/app/contents/src/b.txt", { token });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ type: "file", encoding: "base64", path: "src/b.txt", name: "b.txt", size: 2 });
      const body = res.json as { content: string; sha: string };
      expect(Buffer.from(body.content, "base64").toString()).toBe("b\n");
      expect(body.sha).toBe(await git(["rev-parse", `${second}:src/b.txt`], { cwd: repo.bareDir, env: repo.env() }));
      expectMatchesResponseSchema("/repos/{owner}/{repo}/contents/{path}", "get", 200, res.json);

      const encoded = await api(fake, "GET", `/repos/octo/app/contents/src%2Fa.txt?ref=${first}`, { token });
      expect(Buffer.from((encoded.json as { content: string }).content, "base64").toString()).toBe("a\n");
      const dir = await api(fake, "GET", "/repos/octo/app/contents/src?ref=main", { token });
      expect((dir.json as Array<{ name: string }>).map((e) => e.name)).toEqual(["a.txt", "b.txt"]);
    });

    it("404s missing files, refs and repos", async () => {
      for (const path of [`/repos/octo/app/contents/README.md?ref=${second}`, "/repos/octo/app/contents/nope.txt", "/repos/octo/app/contents/a?ref=no-such-branch", "/repos/octo/nope/contents/a"]) {
        const res = await api(fake, "GET", path, { token });
        expect(res.status, path).toBe(404);
      }
      expect((await api(fake, "GET", `/repos/octo/app/contents/README.md?ref=${first}`, { token })).status).toBe(200);
    });
  });

  describe("failNext", () => {
    it("fails matching requests the given number of times, then recovers", async () => {
      fake.failNext("get", /\/check-runs\/\d+$/, 503, 2);
      const path = `/repos/octo/app/check-runs/${fake.checkRunsFor("octo", "app")[0]?.id}`;
      expect((await api(fake, "GET", path, { token })).status).toBe(503);
      expect((await api(fake, "POST", "/repos/octo/app/check-runs", { token, body: { name: "z", head_sha: second } })).status).toBe(201);
      expect((await api(fake, "GET", path, { token })).status).toBe(503);
      expect((await api(fake, "GET", path, { token })).status).toBe(200);
    });

    it("lets Probot's retry plugin recover from a single 500", async () => {
      fake.failNext("POST", /\/check-runs$/, 500);
      const before = fake.requests.length;
      const res = await appOctokit(fake, 1).rest.checks.create({ owner: "octo", repo: "app", name: "retried", head_sha: second });
      expect(res.status).toBe(201);
      const creates = fake.requests.slice(before).filter((r) => r.operationId === "checks/create");
      expect(creates.map((r) => r.status)).toEqual([500, 201]);
    });
  });

  describe("waitFor", () => {
    it("resolves with the predicate's value and treats throws as not-yet", async () => {
      setTimeout(() => fake.hookDeliveries.push({ id: 1, guid: "g", delivered_at: "2024-01-01T00:00:00Z", redelivery: false, duration: 0.1, status: "OK", status_code: 200, event: "push", action: null, installation_id: 1, repository_id: repo.id }), 50);
      const found = await fake.waitFor(() => fake.hookDeliveries.find((d) => d.id === 1)!.guid);
      expect(found).toBe("g");
    });

    it("times out with a message naming the predicate and recent requests", async () => {
      await expect(fake.waitFor(() => fake.checkRuns.has(-1), 100)).rejects.toThrow(
        /timed out after 100 ms[\s\S]*checkRuns\.has\(-1\)[\s\S]*last API requests[\s\S]*GET \/repos/,
      );
    });
  });

  describe("hook deliveries", () => {
    it("lists deliveries and accepts redelivery requests (JWT)", async () => {
      const jwt = signAppJwt(key.privateKey, APP_ID);
      const list = await api(fake, "GET", "/app/hook/deliveries", { jwt });
      expect(list.status).toBe(200);
      expectMatchesResponseSchema("/app/hook/deliveries", "get", 200, list.json);
      expect((await api(fake, "POST", "/app/hook/deliveries/1/attempts", { jwt })).status).toBe(202);
      expect((await api(fake, "POST", "/app/hook/deliveries/2/attempts", { jwt })).status).toBe(404);
      expect(fake.redeliveries).toEqual([1]);
    });
  });

  describe("git smart HTTP", () => {
    it("clones with an installation token and fetches a non-tip SHA", async () => {
      const env = gitEnv(scratch);
      const dest = join(scratch, "clone");
      const clone = await runGit(["-c", basicHeader(token), "clone", "-q", repo.cloneUrl, dest], scratch, env);
      expect(clone.stderr).toBe("");
      expect(clone.code).toBe(0);
      expect(await readFile(join(dest, "src/b.txt"), "utf8")).toBe("b\n");
      expect(await git(["rev-parse", "HEAD"], { cwd: dest, env })).toBe(second);

      // A commit that no ref points at (what a CI runner fetches for an old push).
      const orphan = await repo.commit({ "orphan.txt": "o" }, "orphan");
      await repo.push("refs/heads/tmp", orphan);
      await repo.deleteRef("refs/heads/tmp");
      const fetchDir = join(scratch, "fetch");
      await git(["init", "-q", fetchDir], { env });
      const fetched = await runGit(["-c", basicHeader(token), "fetch", "-q", "--depth=1", repo.cloneUrl, orphan], fetchDir, env);
      expect(fetched.stderr).toBe("");
      expect(fetched.code).toBe(0);
      expect(await git(["rev-parse", "FETCH_HEAD"], { cwd: fetchDir, env })).toBe(orphan);

      const gitLog = fake.gitRequests.filter((r) => r.ok);
      expect(gitLog.some((r) => r.path === "/octo/app.git/info/refs" && r.user === "x-access-token" && r.status === 200)).toBe(true);
      expect(gitLog.some((r) => r.path === "/octo/app.git/git-upload-pack")).toBe(true);
    });

    it("passes gzip-encoded and chunked upload-pack bodies through to http-backend", async () => {
      const many = await fake.createRepo("octo", "many");
      // 4000 distinct branch tips make the want list ~100 kB compressed: gzip by default, chunked with a small postBuffer.
      let stream = "";
      for (let i = 0; i < 4000; i++) {
        stream += `commit refs/heads/b${i}\ncommitter A <a@example.invalid> 1700000000 +0000\ndata ${String(i).length + 1}\nc${i}\n\n`;
      }
      await new Promise<void>((resolve, reject) => {
        const child = execFile("git", ["fast-import", "--quiet"], { cwd: many.bareDir, env: many.env() }, (error) => (error ? reject(error) : resolve()));
        child.stdin?.end(stream);
      });
      const env = gitEnv(scratch);
      for (const [label, extra] of [["gzip", []], ["chunked", ["-c", "http.postBuffer=70000"]]] as const) {
        const result = await runGit([...extra, "-c", basicHeader(token), "clone", "--mirror", "-q", many.cloneUrl, join(scratch, `many-${label}`)], scratch, env);
        expect(result.stderr, label).toBe("");
        expect(result.code, label).toBe(0);
        expect(await git(["rev-parse", "refs/heads/b3999"], { cwd: join(scratch, `many-${label}`), env })).toMatch(/^[0-9a-f]{40}$/);
      }
    });

    it("refuses clones without a token, with a wrong token, or with another installation's token", async () => {
      const env = gitEnv(scratch);
      const token7 = await installationToken(fake, 7);
      const attempts: Array<[string, string[]]> = [
        ["none", []],
        ["wrong", ["-c", basicHeader("ghs_wrong")]],
        ["other installation", ["-c", basicHeader(token7)]],
      ];
      for (const [label, auth] of attempts) {
        const dest = join(scratch, `denied-${label.replace(/ /g, "-")}`);
        const result = await runGit([...auth, "clone", "-q", repo.cloneUrl, dest], scratch, env);
        expect(result.code, label).not.toBe(0);
        expect(existsSync(join(dest, "src"))).toBe(false);
      }
      const denied = fake.gitRequests.filter((r) => !r.ok);
      expect(denied.length).toBeGreaterThanOrEqual(3);
      expect(denied.every((r) => r.status === 401)).toBe(true);
    });

    it("lets any valid token read a public repository, as GitHub does, but no token a private one it is not for", async () => {
      const env = gitEnv(scratch);
      const token7 = await installationToken(fake, 7);
      const open = await fake.createRepo("octo", "open", { private: false });
      await open.push("refs/heads/main", await open.commit({ "open.txt": "o\n" }, "open"));
      const readable = await runGit(["-c", basicHeader(token7), "clone", "-q", open.cloneUrl, join(scratch, "open")], scratch, env);
      expect(readable.code).toBe(0);
      expect(await readFile(join(scratch, "open", "open.txt"), "utf8")).toBe("o\n");
      const hidden = await runGit(["-c", basicHeader(token7), "clone", "-q", repo.cloneUrl, join(scratch, "hidden")], scratch, env);
      expect(hidden.code).not.toBe(0);
    });
  });
});

describe("fake GitHub lifecycle", () => {
  it("delays API answers by latencyMs and removes its temp dirs on close", async () => {
    const fake = await startFakeGitHub({ appId: APP_ID, publicKey: key.publicKey, latencyMs: [80, 100] });
    const repo = await fake.createRepo("o", "r");
    const started = Date.now();
    expect((await api(fake, "GET", "/meta")).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(75);
    expect(existsSync(repo.bareDir)).toBe(true);
    await fake.close();
    await fake.close();
    expect(existsSync(fake.reposRoot)).toBe(false);
    expect(existsSync(repo.workDir)).toBe(false);
  });

  it("kills git http-backend children still running on close", async () => {
    const fake = await startFakeGitHub({ appId: APP_ID, publicKey: key.publicKey });
    await fake.createRepo("o", "r");
    const token = await installationToken(fake);
    // An upload-pack request whose body never ends keeps the CGI waiting on stdin.
    const request = fetch(`${fake.url}/o/r.git/git-upload-pack`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`,
        "content-type": "application/x-git-upload-pack-request",
      },
      body: new ReadableStream({ start: (controller) => controller.enqueue(new TextEncoder().encode("0000")) }),
      duplex: "half",
    } as RequestInit).catch(() => undefined);
    await fake.waitFor(() => fake.gitRequests.length === 0 && (fake as unknown as { children: Set<unknown> }).children.size === 1);
    await fake.close();
    expect((fake as unknown as { children: Set<unknown> }).children.size).toBe(0);
    await request;
  });
});

describe("git-repo helper", () => {
  it("commits, pushes, deletes refs and lists changed files", async () => {
    const fake = await startFakeGitHub({ appId: APP_ID, publicKey: key.publicKey });
    try {
      const repo = await fake.createRepo("o", "r");
      const a = await repo.commit({ "a.txt": "a", "dir/b.txt": "b" }, "a", { name: "Ada", email: "ada@example.invalid" });
      expect(await repo.push("refs/heads/main", a)).toEqual({ before: ZERO_SHA, after: a });
      const b = await repo.commit({ "a.txt": null, "dir/c.txt": "c" }, "b");
      expect(await repo.push("refs/heads/main", b)).toEqual({ before: a, after: b });
      expect(await repo.changedFiles(a, b)).toEqual(["a.txt", "dir/c.txt"]);
      expect(await repo.changedFiles(ZERO_SHA, a)).toEqual(["a.txt", "dir/b.txt"]);
      expect(await repo.push("refs/tags/v1", a)).toEqual({ before: ZERO_SHA, after: a });
      expect(await repo.deleteRef("refs/tags/v1")).toEqual({ before: a, after: ZERO_SHA });
      expect(await repo.resolve("refs/tags/v1")).toBeNull();
      const env = repo.env();
      expect(await git(["log", "-1", "--format=%an <%ae> / %cn", a], { cwd: repo.bareDir, env })).toBe("Ada <ada@example.invalid> / Gantry Test");

      await repo.resetTo(a);
      const side = await repo.commit({ "side.txt": "s" }, "side");
      expect(await git(["rev-parse", `${side}^`], { cwd: repo.workDir, env })).toBe(a);
      await expect(repo.commit({ "../escape.txt": "x" }, "bad")).rejects.toThrow(/outside the work tree/);
      await expect(repo.push("main", a)).rejects.toThrow(/full ref/);
    } finally {
      await fake.close();
    }
  });
});

describe("with a real Probot configured through GHE_HOST", () => {
  it("authenticates, reads config and reports a check run on push", async () => {
    const fake = await startFakeGitHub({ appId: APP_ID, publicKey: key.publicKey });
    try {
      const repo = await fake.createRepo("octo", "svc");
      const sha = await repo.commit({ ".gantry.yml": "pipelines: {}\n" }, "init");
      const { before, after } = await repo.push("refs/heads/main", sha);
      const probot = createProbot({
        env: {
          APP_ID: String(APP_ID),
          PRIVATE_KEY: key.privateKey,
          WEBHOOK_SECRET: "secret",
          GHE_HOST: fake.host,
          GHE_PROTOCOL: "http",
          LOG_LEVEL: "silent",
        },
      });
      await probot.load((app) => {
        app.on("push", async (context) => {
          const { owner, repo: name } = context.repo();
          const config = await context.octokit.rest.repos.getContent({ owner, repo: name, path: ".gantry.yml", ref: context.payload.after, mediaType: { format: "raw" } });
          const run = await context.octokit.rest.checks.create({ owner, repo: name, name: "gantry", head_sha: context.payload.after, status: "in_progress" });
          await context.octokit.rest.checks.update({ owner, repo: name, check_run_id: run.data.id, conclusion: "success", output: { title: "ok", summary: String(config.data) } });
        });
      });
      const started = Date.now();
      await probot.receive({
        id: "delivery-1",
        name: "push",
        payload: {
          ref: "refs/heads/main",
          before,
          after,
          installation: { id: repo.installationId, node_id: "x" },
          repository: { id: repo.id, name: repo.name, full_name: repo.fullName, owner: { login: repo.owner, name: repo.owner } },
        } as never,
      });
      const done = await fake.waitFor(() => fake.checkRunsFor("octo", "svc").find((r) => r.conclusion === "success"));
      expect(done.output.summary).toBe("pipelines: {}\n");
      expect(done.history).toHaveLength(2);
      expect(fake.requests.map((r) => `${r.method} ${r.operationId} ${r.status}`)).toEqual([
        "POST apps/create-installation-access-token 201",
        "GET repos/get-content 200",
        "POST checks/create 201",
        "PATCH checks/update 200",
      ]);
      // Probot's throttling plugin spaces write requests >= 1 s apart by default.
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    } finally {
      await fake.close();
    }
  });
});
