import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSignInHandler } from "../../../src/report/access/create-sign-in-handler.js";
import { deriveCookieKeys } from "../../../src/report/access/derive-cookie-keys.js";
import { openToken } from "../../../src/report/access/open-token.js";
import { memoryLog } from "../../helpers/memory-log.js";
import { openTempStore } from "../../helpers/temp-store.js";

const ID = "0f8fad5b-d9cb-469f-a165-70867728950e";
const oauth = { clientId: "Iv1.0123456789abcdef", clientSecret: "s3cret" };

describe("the sign-in's start, behind an HTTPS public URL", () => {
  const temp = openTempStore();
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const handler = createSignInHandler({
      store: temp.store,
      oauth,
      publicUrl: "https://ci.example",
      gitBaseUrl: "https://ghe.example",
      apiBaseUrl: "https://ghe.example/api/v3",
      log: memoryLog().log,
    });
    server = createServer((request, response) => void handler(request, response).then((handled) => handled || response.writeHead(404).end()));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await temp.close();
  });

  it("sends the viewer to GitHub's authorize page with a fresh state, kept signed in a Secure cookie", async () => {
    const states = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${base}/auth/github/login?return=/runs/${ID}`, { redirect: "manual" });
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get("location")!);
      expect(`${location.origin}${location.pathname}`).toBe("https://ghe.example/login/oauth/authorize");
      expect(Object.fromEntries(location.searchParams)).toEqual({ client_id: oauth.clientId, redirect_uri: "https://ci.example/auth/github/callback", state: expect.any(String) });
      const cookie = response.headers.getSetCookie()[0]!;
      expect(cookie).toMatch(/^gantry_oauth_state=[^;]+; Path=\/auth; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/);
      const claim = openToken(deriveCookieKeys(oauth.clientSecret).state, cookie.slice("gantry_oauth_state=".length).split(";")[0]);
      expect(claim).toMatchObject({ s: location.searchParams.get("state"), r: `/runs/${ID}` });
      states.add(location.searchParams.get("state")!);
    }
    expect(states.size).toBe(2);
  });

  it("leaves other paths and methods to the next handler", async () => {
    expect((await fetch(`${base}/auth/github/elsewhere`)).status).toBe(404);
    expect((await fetch(`${base}/auth/github/login?return=/runs/${ID}`, { method: "POST" })).status).toBe(404);
  });
});
