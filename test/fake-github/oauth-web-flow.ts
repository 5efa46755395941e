import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "./http-util.js";
import type { OAuthRequestRecord, OAuthUser } from "./types.js";

const CODE_LIFETIME_MS = 10 * 60 * 1000;
const USER_TOKEN_LIFETIME_S = 8 * 60 * 60;
const TOKEN_DOCS = "https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-user-access-token-for-a-github-app";
/** The parameters GitHub documents for each endpoint; anything else is refused, so a typo in a client shows. */
const AUTHORIZE_PARAMS = new Set(["client_id", "redirect_uri", "login", "scope", "state", "allow_signup", "prompt", "code_challenge", "code_challenge_method"]);
const TOKEN_PARAMS = new Set(["client_id", "client_secret", "code", "redirect_uri", "repository_id", "code_verifier", "grant_type", "refresh_token"]);

export interface UserToken {
  user: OAuthUser;
  expiresAt: number;
}

interface Grant {
  user: OAuthUser;
  clientId: string;
  redirectUri: string;
  expiresAt: number;
}

/**
 * GitHub's web flow for a GitHub App's user tokens (not REST operations, so not in the OpenAPI description):
 * `GET /login/oauth/authorize` signs in the configured test user at once (no form) and redirects back with a code;
 * `POST /login/oauth/access_token` exchanges a code once for a `ghu_` token, answering errors as GitHub does
 * (status 200 with `error`).
 */
export class OAuthWebFlow {
  user: OAuthUser | null = null;
  readonly records: OAuthRequestRecord[] = [];
  readonly issued: string[] = [];
  readonly tokens = new Map<string, UserToken>();
  private readonly grants = new Map<string, Grant>();

  constructor(readonly client: { clientId: string; clientSecret: string }) {}

  /** Answers a request under `/login/oauth/`; false when the path is not one of the flow's. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const method = (req.method ?? "GET").toUpperCase();
    if (url.pathname === "/login/oauth/authorize" && method === "GET") {
      await readBody(req);
      this.authorize(res, Object.fromEntries(url.searchParams));
      return true;
    }
    if (url.pathname === "/login/oauth/access_token" && method === "POST") {
      const params = { ...Object.fromEntries(url.searchParams), ...parseBody(req.headers["content-type"], await readBody(req)) };
      this.exchange(req, res, params);
      return true;
    }
    return false;
  }

  /** The user a `ghu_` token belongs to, while it is valid. */
  userFor(authorization: string | undefined): OAuthUser | undefined {
    const match = /^(?:token|bearer)\s+(ghu_\S+)$/i.exec(authorization ?? "");
    const token = match ? this.tokens.get(match[1] as string) : undefined;
    return token && token.expiresAt > Date.now() ? token.user : undefined;
  }

  private authorize(res: ServerResponse, params: Record<string, string>): void {
    const record = (status: number, error?: string): void => {
      this.records.push({ method: "GET", path: "/login/oauth/authorize", params, status, ...(error ? { error } : {}) });
    };
    const unknown = Object.keys(params).find((name) => !AUTHORIZE_PARAMS.has(name));
    if (unknown !== undefined) return page(res, 400, `unknown parameter ${unknown}`, record);
    if (params["client_id"] !== this.client.clientId) return page(res, 404, "Not Found (no application with this client_id)", record);
    const redirect = params["redirect_uri"] ?? "";
    // GitHub falls back to the App's first callback URL; the fake has none registered, so it must be named
    if (!URL.canParse(redirect) || !/^https?:$/.test(new URL(redirect).protocol)) {
      return page(res, 400, "The redirect_uri MUST match the registered callback URL for this application.", record);
    }
    if (this.user === null) return page(res, 200, "Sign in to GitHub (no test user is signed in: call setOAuthUser)", record);
    const back = new URL(redirect);
    if (this.user.consent === false) {
      back.searchParams.set("error", "access_denied");
      back.searchParams.set("error_description", "The user has denied your application access.");
      back.searchParams.set("error_uri", `${TOKEN_DOCS}#troubleshooting`);
    } else {
      const code = randomBytes(10).toString("hex");
      this.grants.set(code, { user: this.user, clientId: this.client.clientId, redirectUri: redirect, expiresAt: Date.now() + CODE_LIFETIME_MS });
      back.searchParams.set("code", code);
    }
    if (params["state"] !== undefined) back.searchParams.set("state", params["state"]);
    record(302, this.user.consent === false ? "access_denied" : undefined);
    res.writeHead(302, { location: back.toString() }).end();
  }

  private exchange(req: IncomingMessage, res: ServerResponse, params: Record<string, string>): void {
    const { client_secret: _secret, ...shown } = params;
    const answer = (body: Record<string, string | number>): void => {
      const error = typeof body["error"] === "string" ? body["error"] : undefined;
      this.records.push({ method: "POST", path: "/login/oauth/access_token", params: shown, status: 200, ...(error ? { error } : {}) });
      // GitHub answers JSON only when asked to; form-encoded otherwise
      if (/application\/json/i.test(req.headers.accept ?? "")) {
        res.writeHead(200, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
      } else {
        const form = new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]));
        res.writeHead(200, { "content-type": "application/x-www-form-urlencoded; charset=utf-8" }).end(form.toString());
      }
    };
    const fail = (error: string, description: string): void =>
      answer({ error, error_description: description, error_uri: `${TOKEN_DOCS}#troubleshooting` });
    const unknown = Object.keys(params).find((name) => !TOKEN_PARAMS.has(name));
    if (unknown !== undefined) return fail("unsupported_parameter", `unknown parameter ${unknown}`);
    if (params["client_id"] !== this.client.clientId || params["client_secret"] !== this.client.clientSecret) {
      return fail("incorrect_client_credentials", "The client_id and/or client_secret passed are incorrect.");
    }
    const code = params["code"] ?? "";
    const grant = this.grants.get(code);
    // a code is good for one exchange, used or not
    this.grants.delete(code);
    if (!grant || grant.expiresAt <= Date.now() || grant.clientId !== params["client_id"]) {
      return fail("bad_verification_code", "The code passed is incorrect or expired.");
    }
    if (params["redirect_uri"] !== undefined && params["redirect_uri"] !== grant.redirectUri) {
      return fail("redirect_uri_mismatch", "The redirect_uri MUST match the registered callback URL for this application.");
    }
    const token = `ghu_${randomBytes(18).toString("hex")}`;
    this.tokens.set(token, { user: grant.user, expiresAt: Date.now() + USER_TOKEN_LIFETIME_S * 1000 });
    this.issued.push(token);
    answer({
      access_token: token,
      expires_in: USER_TOKEN_LIFETIME_S,
      refresh_token: `ghr_${randomBytes(30).toString("hex")}`,
      refresh_token_expires_in: 15_897_600,
      scope: "",
      token_type: "bearer",
    });
  }
}

function page(res: ServerResponse, status: number, text: string, record: (status: number, error?: string) => void): void {
  record(status, status >= 400 ? text : undefined);
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(`${text}\n`);
}

/** The token exchange takes its parameters as a form or as JSON, as GitHub does. */
function parseBody(contentType: string | undefined, raw: Buffer): Record<string, string> {
  if (raw.length === 0) return {};
  const text = raw.toString("utf8");
  if (/application\/json/i.test(contentType ?? "")) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      return Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => [k, String(v)]));
    } catch {
      return { __invalid_json: text.slice(0, 100) };
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}
