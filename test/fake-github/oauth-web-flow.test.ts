import { Ajv } from "ajv";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { exchangeOAuthCode } from "../../src/github/exchange-oauth-code.js";
import { readViewerAccess } from "../../src/github/read-viewer-access.js";
import { createAppKey } from "./app-key.js";
import { startFakeGitHub, type FakeGitHub } from "./fake-github.js";
import { OPENAPI_EXTRA_PATH, readSpec } from "./openapi-operations.js";
import { toJsonSchema } from "./to-json-schema.js";

const CALLBACK = "http://127.0.0.1:9/auth/github/callback";

/** Checks an answer against the status code's schema in test/fixtures/openapi-extra.json. */
function expectMatchesSchema(template: string, status: number, body: unknown): void {
  const spec = readSpec(OPENAPI_EXTRA_PATH) as { paths: Record<string, { get: { responses: Record<string, { content: Record<string, { schema: object }> }> } }> };
  const schema = spec.paths[template]?.get.responses[String(status)]?.content["application/json"]?.schema;
  expect(schema, `GET ${template} ${status}`).toBeDefined();
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validate = ajv.compile(toJsonSchema(schema) as object);
  expect(validate(body), ajv.errorsText(validate.errors)).toBe(true);
}

describe("the fake GitHub's OAuth web flow and user token", () => {
  let fake: FakeGitHub;

  beforeAll(async () => {
    fake = await startFakeGitHub({ appId: 4242, publicKey: createAppKey().publicKey });
    await fake.createRepo("octo", "secret");
    await fake.createRepo("octo", "open", { private: false });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.setOAuthUser(null));

  const authorize = (params: Record<string, string>) =>
    fetch(`${fake.url}/login/oauth/authorize?${new URLSearchParams(params)}`, { redirect: "manual" });
  const codeFor = async (): Promise<string> => {
    const answer = await authorize({ client_id: fake.oauthClient.clientId, redirect_uri: CALLBACK, state: "st" });
    expect(answer.status).toBe(302);
    const back = new URL(answer.headers.get("location")!);
    expect(`${back.origin}${back.pathname}`).toBe(CALLBACK);
    expect(back.searchParams.get("state")).toBe("st");
    return back.searchParams.get("code")!;
  };
  const exchange = (code: string, overrides: Record<string, string> = {}) =>
    exchangeOAuthCode({ apiBaseUrl: fake.apiUrl, ...fake.oauthClient, code, redirectUrl: CALLBACK, ...overrides });

  it("signs the configured user in, exchanges the code once, and answers GET /user and GET /repos as GitHub does", async () => {
    fake.setOAuthUser({ login: "mona", id: 77, canRead: ["octo/secret"] });
    const code = await codeFor();
    const token = await exchange(code);
    expect(token).toMatch(/^ghu_/);
    expect(fake.userTokens).toContain(token);
    await expect(exchange(code)).rejects.toThrow(/bad_verification_code/);

    const user = await fetch(`${fake.apiUrl}/user`, { headers: { authorization: `token ${token}` } });
    expect(user.status).toBe(200);
    const userJson = (await user.json()) as { login: string; id: number };
    expect(userJson).toMatchObject({ login: "mona", id: 77 });
    expectMatchesSchema("/user", 200, userJson);

    const repo = await fetch(`${fake.apiUrl}/repos/octo/secret`, { headers: { authorization: `bearer ${token}` } });
    const repoJson = (await repo.json()) as { private: boolean; permissions: { pull: boolean } };
    expect(repoJson).toMatchObject({ private: true, permissions: { pull: true } });
    expectMatchesSchema("/repos/{owner}/{repo}", 200, repoJson);

    expect(await readViewerAccess({ apiBaseUrl: fake.apiUrl, token, owner: "octo", repo: "SECRET" })).toEqual({
      userId: 77,
      login: "mona",
      repositoryId: fake.repos.get("octo/secret")!.id,
      canRead: true,
    });
    expect(fake.requests.filter((r) => r.path === "/repos/octo/SECRET").map((r) => r.operationId)).toEqual(["repos/get"]);
  });

  it("hides a private repository the user may not read (404), and shows public ones", async () => {
    fake.setOAuthUser({ login: "eve", id: 66, canRead: [] });
    const token = await exchange(await codeFor());
    const hidden = await fetch(`${fake.apiUrl}/repos/octo/secret`, { headers: { authorization: `token ${token}` } });
    expect(hidden.status).toBe(404);
    expectMatchesSchema("/repos/{owner}/{repo}", 404, await hidden.json());
    expect(await readViewerAccess({ apiBaseUrl: fake.apiUrl, token, owner: "octo", repo: "secret" })).toMatchObject({ login: "eve", canRead: false, repositoryId: null });
    expect(await readViewerAccess({ apiBaseUrl: fake.apiUrl, token, owner: "octo", repo: "open" })).toMatchObject({ canRead: true });
  });

  it("refuses GET /user without a user token, and with an installation's or an unknown one", async () => {
    expect((await fetch(`${fake.apiUrl}/user`)).status).toBe(401);
    expect((await fetch(`${fake.apiUrl}/user`, { headers: { authorization: "token ghu_madeup" } })).status).toBe(401);
    await expect(readViewerAccess({ apiBaseUrl: fake.apiUrl, token: "ghu_madeup", owner: "octo", repo: "secret" })).rejects.toMatchObject({ status: 401 });
  });

  it("refuses a wrong client secret, a wrong redirect_uri and a made-up code", async () => {
    fake.setOAuthUser({ login: "mona", id: 77, canRead: [] });
    await expect(exchange(await codeFor(), { clientSecret: "wrong" })).rejects.toThrow(/incorrect_client_credentials/);
    await expect(exchange(await codeFor(), { redirectUrl: "http://127.0.0.1:9/elsewhere" })).rejects.toThrow(/redirect_uri_mismatch/);
    await expect(exchange("0123456789abcdef0123")).rejects.toThrow(/bad_verification_code/);
    expect(fake.oauthRequests.filter((r) => r.path === "/login/oauth/access_token").every((r) => !("client_secret" in r.params))).toBe(true);
  });

  it("checks the authorize parameters: the client id, a redirect_uri, nothing unknown; and says when nobody is signed in", async () => {
    expect((await authorize({ client_id: "Iv1.nope", redirect_uri: CALLBACK })).status).toBe(404);
    expect((await authorize({ client_id: fake.oauthClient.clientId })).status).toBe(400);
    expect((await authorize({ client_id: fake.oauthClient.clientId, redirect_uri: CALLBACK, scopes: "repo" })).status).toBe(400);
    const nobody = await authorize({ client_id: fake.oauthClient.clientId, redirect_uri: CALLBACK });
    expect(nobody.status).toBe(200);
    expect(await nobody.text()).toContain("setOAuthUser");
  });

  it("redirects back with error=access_denied when the user declines", async () => {
    fake.setOAuthUser({ login: "mona", id: 77, canRead: [], consent: false });
    const answer = await authorize({ client_id: fake.oauthClient.clientId, redirect_uri: CALLBACK, state: "st" });
    const back = new URL(answer.headers.get("location")!);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({ error: "access_denied", state: "st" });
    expect(back.searchParams.has("code")).toBe(false);
  });
});
