import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { Logger } from "probot";
import { z } from "zod";
import type { Store } from "../../backend/storage/store.js";
import { exchangeOAuthCode } from "../../github/exchange-oauth-code.js";
import { readViewerAccess } from "../../github/read-viewer-access.js";
import { checkReturnPath } from "./check-return-path.js";
import {
  ACCESS_COOKIE_PATH,
  ACCESS_COOKIE_PREFIX,
  ACCESS_TTL_MS,
  CALLBACK_PATH,
  LOGIN_PATH,
  STATE_COOKIE,
  STATE_COOKIE_PATH,
  STATE_TTL_MS,
} from "./cookie-names.js";
import { deriveCookieKeys } from "./derive-cookie-keys.js";
import { openToken } from "./open-token.js";
import { readCookies } from "./read-cookies.js";
import { PAGE_HEADERS, renderMessagePage } from "./render-message-page.js";
import type { AccessClaim } from "./read-access-cookie.js";
import type { OAuthClient } from "./oauth-client.js";
import { serializeCookie } from "./serialize-cookie.js";
import { signToken } from "./sign-token.js";

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

const StateClaim = z.object({
  s: z.string().min(32).max(100).describe("the random state sent to GitHub"),
  r: z.string().max(200).describe("the page to return to"),
  exp: z.number().describe("epoch ms after which the sign-in must start again"),
});

export interface SignInOptions {
  store: Store;
  oauth: OAuthClient | null;
  /** GANTRY_PUBLIC_URL: GitHub sends the viewer back to `${publicUrl}/auth/github/callback`. */
  publicUrl: string | null;
  /** `https://github.com` or GHE's: where the viewer signs in. */
  gitBaseUrl: string;
  apiBaseUrl: string;
  log: Logger;
}

/**
 * Sign-in with GitHub for private repositories' run pages (a GitHub App's user-to-server web flow):
 * `GET /auth/github/login?return=/runs/<id>` keeps a random `state` in a signed cookie and sends the viewer to
 * GitHub; `GET /auth/github/callback` checks the state, exchanges the code for the user's token, asks GitHub with
 * it whether the user may read the run's repository, remembers the answer (not the token, which is dropped) in a
 * signed cookie for ACCESS_TTL_MS and sends the viewer back. Every failure is a page that says what happened.
 */
export function createSignInHandler(options: SignInOptions): Handler {
  const oauth = options.oauth && options.publicUrl ? { ...options.oauth, publicUrl: options.publicUrl } : null;
  const keys = oauth ? deriveCookieKeys(oauth.clientSecret) : null;
  const redirectUrl = `${options.publicUrl}${CALLBACK_PATH}`;

  return async (request, response) => {
    const url = new URL(request.url ?? "/", "http://gantry.invalid");
    if (request.method !== "GET" || (url.pathname !== LOGIN_PATH && url.pathname !== CALLBACK_PATH)) return false;
    const secure = (options.publicUrl ?? "").startsWith("https:") || (request.socket as TLSSocket).encrypted === true;
    const page = (status: number, title: string, message: string, link?: { href: string; text: string }, cookies: string[] = []) => {
      response.writeHead(status, { ...PAGE_HEADERS, ...(cookies.length ? { "set-cookie": cookies } : {}) }).end(renderMessagePage(title, message, link));
      return true;
    };
    if (!oauth || !keys) {
      return page(404, "Sign-in is not set up", "This gantry has no GitHub OAuth client (GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET and GANTRY_PUBLIC_URL), so private repositories' logs cannot be shown.");
    }

    if (url.pathname === LOGIN_PATH) {
      const target = checkReturnPath(url.searchParams.get("return"));
      if (!target) return page(400, "Cannot sign in", "The sign-in link names no run page of this server to return to.");
      const state = randomBytes(32).toString("base64url");
      const cookie = signToken(keys.state, { s: state, r: target.path, exp: Date.now() + STATE_TTL_MS });
      const authorize = new URL(`${options.gitBaseUrl}/login/oauth/authorize`);
      authorize.search = new URLSearchParams({ client_id: oauth.clientId, redirect_uri: redirectUrl, state }).toString();
      response
        .writeHead(302, {
          location: authorize.toString(),
          "cache-control": "no-store",
          "set-cookie": serializeCookie(STATE_COOKIE, cookie, { path: STATE_COOKIE_PATH, maxAgeMs: STATE_TTL_MS, secure }),
        })
        .end();
      return true;
    }

    // the callback: the state cookie is good for this one answer, whatever it is
    const clearState = serializeCookie(STATE_COOKIE, "", { path: STATE_COOKIE_PATH, maxAgeMs: 0, secure });
    const claim = StateClaim.safeParse(openToken(keys.state, readCookies(request).get(STATE_COOKIE)));
    const target = claim.success ? checkReturnPath(claim.data.r) : null;
    if (!claim.success || !target || !sameSecret(claim.data.s, url.searchParams.get("state") ?? "")) {
      return page(400, "Sign-in expired", "This sign-in was not started here, or took too long. Open the run's page and sign in again.", undefined, [clearState]);
    }
    const back = { href: target.path, text: "Back to the run" };
    const error = url.searchParams.get("error");
    if (error !== null) {
      const why = error === "access_denied" ? "You did not allow gantry to know who you are, so it cannot show private logs." : `GitHub refused the sign-in (${error.slice(0, 100)}).`;
      return page(403, "Not signed in", why, back, [clearState]);
    }
    const code = url.searchParams.get("code");
    if (code === null || code === "" || code.length > 100) return page(400, "Cannot sign in", "GitHub sent no code back.", back, [clearState]);

    const run = await options.store.getRun(target.runId);
    if (!run) return page(404, "No such run", "The run this sign-in was for does not exist (any more).", undefined, [clearState]);
    let access;
    try {
      const token = await exchangeOAuthCode({ apiBaseUrl: options.apiBaseUrl, clientId: oauth.clientId, clientSecret: oauth.clientSecret, code, redirectUrl });
      access = await readViewerAccess({ apiBaseUrl: options.apiBaseUrl, token, owner: run.push.owner, repo: run.push.repo });
    } catch (failure) {
      // the message only: a RequestError's request (with the client secret in its body) stays out of the log
      options.log.warn(`run page sign-in: GitHub could not say who may read ${run.push.owner}/${run.push.repo}: ${describe(failure)}`);
      return page(502, "GitHub did not answer", "gantry could not ask GitHub whether you may read this repository. Try again in a moment.", back, [clearState]);
    }
    // the repository the name leads to now must be the run's: a renamed or recreated one is another repository
    const allowed = access.canRead && access.repositoryId === run.push.repositoryId;
    const remembered: AccessClaim = { u: access.userId, l: access.login.slice(0, 100), r: run.push.repositoryId, a: allowed, exp: Date.now() + ACCESS_TTL_MS };
    const accessCookie = serializeCookie(`${ACCESS_COOKIE_PREFIX}${run.push.repositoryId}`, signToken(keys.access, remembered), {
      path: ACCESS_COOKIE_PATH,
      maxAgeMs: ACCESS_TTL_MS,
      secure,
    });
    if (!allowed) {
      return page(403, "No access", `You are signed in to GitHub as ${access.login}, who may not read ${run.push.owner}/${run.push.repo}.`, back, [clearState, accessCookie]);
    }
    response.writeHead(303, { location: target.path, "cache-control": "no-store", "set-cookie": [clearState, accessCookie] }).end();
    return true;
  };
}

/** Constant-time comparison of two strings of any length (their digests have the same length). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s).digest();
  return b !== "" && timingSafeEqual(digest(a), digest(b));
}

function describe(error: unknown): string {
  const status = (error as { status?: unknown }).status;
  const message = error instanceof Error ? error.message : String(error);
  return `${typeof status === "number" ? `${status} ` : ""}${message.slice(0, 300)}`;
}
