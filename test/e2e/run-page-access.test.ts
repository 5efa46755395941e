import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./stack.js";

// computed by the shell, so only the step's output (never the config) holds the finished word
const CONFIG = (word: string) => `pipelines:\n  build:\n    steps:\n      - run: echo "${word}-$((6*7))-output"\n`;

/** A browser's cookie jar, enough for one origin: keeps what Set-Cookie sends, drops what it expires. */
class Jar {
  readonly cookies = new Map<string, string>();
  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      if (/;\s*Max-Age=0\b/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair!.slice(eq + 1));
    }
  }
  header(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {};
  }
}

async function get(url: string, jar?: Jar): Promise<{ status: number; text: string; location: string | null; response: Response }> {
  const response = await fetch(url, { redirect: "manual", headers: jar?.header() ?? {} });
  jar?.take(response);
  return { status: response.status, text: await response.text(), location: response.headers.get("location"), response };
}

describe("who may see a run's page", () => {
  let stack: Stack;
  let publicUrl: string;
  let secretRun: string;
  let openRun: string;

  beforeAll(async () => {
    stack = await startStack({}, { oauth: true });
    publicUrl = stack.app.url;
    const open = await stack.repo("open", { ".github/gantry.yml": CONFIG("open") });
    const secret = await stack.repo("secret", { ".github/gantry.yml": CONFIG("secret") }, { private: true });
    const [openPush, secretPush] = await Promise.all([stack.push(open, {}), stack.push(secret, {})]);
    openRun = (await stack.completed(open, openPush.sha, "build")).external_id!;
    secretRun = (await stack.completed(secret, secretPush.sha, "build")).external_id!;
  }, 60_000);
  afterAll(() => stack?.stop());

  /** Follows the sign-in from the run page's link to the end of the callback, as a browser would. */
  async function signIn(jar: Jar, runId = secretRun) {
    const page = await get(`${publicUrl}/runs/${runId}`, jar);
    const link = /<a id="sign-in" href="([^"]+)"/.exec(page.text)?.[1];
    expect(link).toBe(`/auth/github/login?return=/runs/${runId}`);
    const login = await get(`${publicUrl}${link}`, jar);
    expect(login.status).toBe(302);
    const authorize = await get(login.location!);
    expect(authorize.status).toBe(302);
    return get(authorize.location!, jar);
  }

  it("shows a public repository's log to anyone", async () => {
    const page = await get(`${publicUrl}/runs/${openRun}`);
    expect(page.text).toContain("open-42-output");
    expect((await get(`${publicUrl}/runs/${openRun}/log`)).text).toContain("open-42-output");
  });

  it("shows a signed-out viewer of a private repository's run its state and a sign-in link, never the log", async () => {
    const page = await get(`${publicUrl}/runs/${secretRun}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-state="completed"');
    expect(page.text).toContain('data-conclusion="success"');
    expect(page.text).toContain(`<a id="sign-in" href="/auth/github/login?return=/runs/${secretRun}">Sign in with GitHub</a>`);
    expect(page.text).not.toContain("secret-42-output");
    expect(page.response.headers.get("cache-control")).toBe("private, no-store");
    const log = await get(`${publicUrl}/runs/${secretRun}/log`);
    expect(log.status).toBe(403);
    expect(log.text).not.toContain("secret-42-output");
  });

  it("shows the log after the OAuth round trip to a user GitHub lets read the repository, and keeps no token", async () => {
    stack.fake.setOAuthUser({ login: "mona", id: 77, canRead: ["octo/secret"] });
    const jar = new Jar();
    await get(`${publicUrl}/runs/${secretRun}`, jar);
    const login = await get(`${publicUrl}/auth/github/login?return=/runs/${secretRun}`, jar);
    const authorize = new URL(login.location!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${stack.fake.url}/login/oauth/authorize`);
    expect(authorize.searchParams.get("client_id")).toBe(stack.fake.oauthClient.clientId);
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${publicUrl}/auth/github/callback`);
    const state = authorize.searchParams.get("state")!;
    expect(state.length).toBeGreaterThanOrEqual(32);
    const stateCookie = login.response.headers.getSetCookie()[0]!;
    expect(stateCookie).toMatch(/^gantry_oauth_state=[^;]+; Path=\/auth; Max-Age=600; HttpOnly; SameSite=Lax$/);
    // the state itself is sent to GitHub, never readable in the cookie
    expect(Buffer.from(stateCookie.split("=")[1]!.split(".")[0]!, "base64url").toString()).toContain(state);

    const back = await get((await get(login.location!)).location!, jar);
    expect(back.status).toBe(303);
    expect(back.location).toBe(`/runs/${secretRun}`);
    const repoId = stack.fake.repos.get("octo/secret")!.id;
    const accessCookie = back.response.headers.getSetCookie().find((c) => c.startsWith(`gantry_access_${repoId}=`));
    expect(accessCookie).toMatch(/; Path=\/runs; Max-Age=300; HttpOnly; SameSite=Lax$/);
    expect(jar.cookies.has("gantry_oauth_state")).toBe(false);
    const token = stack.fake.userTokens.at(-1)!;
    expect(back.response.headers.getSetCookie().join("\n")).not.toContain(token);
    expect(Buffer.from(accessCookie!.split("=")[1]!.split(".")[0]!, "base64url").toString()).not.toContain(token);
    expect(stack.app.output()).not.toContain(token);

    expect((await get(`${publicUrl}${back.location}`, jar)).text).toContain("secret-42-output");
    expect((await get(`${publicUrl}/runs/${secretRun}/log`, jar)).text).toContain("secret-42-output");
    // GitHub was asked with the user's token which repository that is
    expect(stack.fake.requests.filter((r) => r.path === "/repos/octo/secret").map((r) => [r.operationId, r.status])).toContainEqual(["repos/get", 200]);
  });

  it("shows no log to a signed-in user GitHub does not let read the repository, and escapes what it says about them", async () => {
    stack.fake.setOAuthUser({ login: "<b>eve</b>", id: 66, canRead: [] });
    const jar = new Jar();
    const back = await signIn(jar);
    expect(back.status).toBe(403);
    expect(back.text).toContain("&lt;b&gt;eve&lt;/b&gt;");
    expect(back.text).not.toContain("<b>");
    expect(back.text).not.toContain("secret-42-output");
    expect(back.response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const page = await get(`${publicUrl}/runs/${secretRun}`, jar);
    expect(page.text).not.toContain("secret-42-output");
    expect((await get(`${publicUrl}/runs/${secretRun}/log`, jar)).status).toBe(403);
  });

  it("refuses a callback whose state is missing, wrong or from another browser", async () => {
    stack.fake.setOAuthUser({ login: "mona", id: 77, canRead: ["octo/secret"] });
    const jar = new Jar();
    const login = await get(`${publicUrl}/auth/github/login?return=/runs/${secretRun}`, jar);
    const callback = new URL((await get(login.location!)).location!);
    const code = callback.searchParams.get("code")!;
    const withState = (state: string | null) => `${publicUrl}/auth/github/callback?code=${code}${state === null ? "" : `&state=${encodeURIComponent(state)}`}`;

    const wrong = await get(withState("not-the-state-at-all-not-the-state-at-all"), jar);
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain("Sign-in expired");
    const elsewhere = await get(callback.toString());
    expect(elsewhere.status).toBe(400);
    // the first answer used up the state cookie: the right state no longer helps either
    expect((await get(callback.toString(), jar)).status).toBe(400);
    expect((await get(withState(null), new Jar())).status).toBe(400);
    expect(stack.fake.oauthRequests.filter((r) => r.path === "/login/oauth/access_token" && r.params["code"] === code)).toEqual([]);
    expect((await get(`${publicUrl}/runs/${secretRun}/log`, jar)).status).toBe(403);
  });

  it("says so when the user declines, when GitHub is down, and when the return path leaves the run pages", async () => {
    stack.fake.setOAuthUser({ login: "mona", id: 77, canRead: ["octo/secret"], consent: false });
    const declined = await signIn(new Jar());
    expect(declined.status).toBe(403);
    expect(declined.text).toContain("You did not allow gantry");
    expect(declined.text).toContain(`href="/runs/${secretRun}"`);

    stack.fake.setOAuthUser({ login: "mona", id: 77, canRead: ["octo/secret"] });
    stack.fake.failNext("GET", /^\/user$/, 503);
    const down = await signIn(new Jar());
    expect(down.status).toBe(502);
    expect(down.text).toContain("GitHub did not answer");
    expect(down.text).not.toContain("at ");

    for (const target of ["//evil.example/runs/x", "https://evil.example/", `/runs/${secretRun}/../../x`, '"><script>alert(1)</script>']) {
      const refused = await get(`${publicUrl}/auth/github/login?return=${encodeURIComponent(target)}`);
      expect(refused.status, target).toBe(400);
      expect(refused.location).toBeNull();
      expect(refused.text).not.toContain("<script>");
    }
  });
});

describe("without the App's OAuth client", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ GANTRY_PUBLIC_URL: "https://gantry.example.com" });
  }, 60_000);
  afterAll(() => stack?.stop());

  it("shows a private repository's run page with its state only, and offers no sign-in", async () => {
    const secret = await stack.repo("secret", { ".github/gantry.yml": CONFIG("secret") }, { private: true });
    const { sha } = await stack.push(secret, {});
    const run = (await stack.completed(secret, sha, "build")).external_id!;
    const page = await get(`${stack.app.url}/runs/${run}`);
    expect(page.text).toContain('data-state="completed"');
    expect(page.text).toContain('id="access-denied"');
    expect(page.text).not.toContain("secret-42-output");
    expect(page.text).not.toContain("/auth/github/login");
    expect((await get(`${stack.app.url}/runs/${run}/log`)).status).toBe(403);
    const login = await get(`${stack.app.url}/auth/github/login?return=/runs/${run}`);
    expect(login.status).toBe(404);
    expect(login.text).toContain("Sign-in is not set up");
  });
});
