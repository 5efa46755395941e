import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { applyCheckRunBody, checkRunJson, filterCheckRuns, newCheckRun } from "./check-runs.js";
import { appJson, DEFAULT_PERMISSIONS, fullRepositoryJson, installationJson, privateUserJson, repositoryJson, type Urls } from "./github-objects.js";
import { listHookDeliveries, redeliveryAttempt } from "./hook-deliveries.js";
import { HttpError, isoSeconds, paginate, type Reply } from "./http-util.js";
import { readContents, type TreeEntry } from "./read-contents.js";
import type { CheckRunRecord, HookDelivery, HookOutcome, HostedRepo, OAuthUser } from "./types.js";

export interface IssuedToken {
  installationId: number;
  expiresAt: number;
  /** Lower-cased full names the token is limited to (token requested with `repositories`/`repository_ids`). */
  repositories?: Set<string>;
}

/** What the route handlers read and change; implemented by the server. */
export interface FakeState {
  appId: number;
  urls: Urls;
  /** Keyed by lower-cased `owner/name` (GitHub names are case-insensitive). */
  repos: Map<string, HostedRepo>;
  checkRuns: Map<number, CheckRunRecord>;
  tokens: Map<string, IssuedToken>;
  issuedTokens: string[];
  hookDeliveries: HookDelivery[];
  redeliveries: number[];
  redeliveryOutcome: HookOutcome;
  /** `GET /meta`'s `hooks`: the ranges webhooks come from. */
  hooks: string[];
  /** `owner/repo:login` (lower-cased) → repository permission; absent = not a collaborator (404). */
  permissions: Map<string, "admin" | "maintain" | "write" | "triage" | "read">;
  gitEnv: NodeJS.ProcessEnv;
  nextId(): number;
  /** Greater than every delivery id listed so far, as GitHub's ids grow with time. */
  nextDeliveryId(): number;
  checkSuiteId(repo: HostedRepo, headSha: string): number;
  /** Installations that exist: 1 plus every installation a repo was created in. */
  installationAccount(installationId: number): { login: string; id: number } | undefined;
  ownerId(login: string): number;
}

export interface RouteContext {
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  headers: IncomingHttpHeaders;
  /** Full URL of the request, for Link headers. */
  selfUrl: string;
  /** Set when authenticated with an installation token. */
  token?: IssuedToken;
  /** Set when authenticated with a user token (`ghu_…`, from the OAuth web flow). */
  user?: OAuthUser;
}

export interface Route {
  /** `jwt`: app JWT (Bearer); `installation`: installation token; `user`: a user token; `none`: anonymous allowed. */
  auth: "jwt" | "installation" | "user" | "none";
  handle(ctx: RouteContext): Promise<Reply> | Reply;
}

const TOKEN_LIFETIME_MS = 60 * 60 * 1000;
const MAX_CONTENT_BYTES = 1024 * 1024;
const CHECKS_CREATE_DOCS = "https://docs.github.com/rest/checks/runs#create-a-check-run";

/** Handlers keyed by `METHOD template`, using the OpenAPI subset's templates. */
export function createRoutes(state: FakeState): Map<string, Route> {
  const app = (): Record<string, unknown> => appJson(state.appId, state.urls);

  /** The repo in the URL, as visible to the request's token; GitHub answers 404 for repos it hides. */
  const repoFor = (ctx: RouteContext): HostedRepo => {
    const key = `${ctx.params["owner"]}/${ctx.params["repo"]}`.toLowerCase();
    const repo = state.repos.get(key);
    const token = ctx.token;
    if (!repo) throw new HttpError(404, "Not Found");
    if (token && (token.installationId !== repo.installationId || (token.repositories && !token.repositories.has(key)))) {
      throw new HttpError(404, "Not Found");
    }
    return repo;
  };

  const routes = new Map<string, Route>();
  const route = (key: string, auth: Route["auth"], handle: Route["handle"]): void => {
    routes.set(key, { auth, handle });
  };

  route("GET /meta", "none", () => ({
    status: 200,
    json: { verifiable_password_authentication: false, installed_version: "3.14.0", hooks: state.hooks, git: [], api: [] },
  }));

  route("GET /app", "jwt", () => ({ status: 200, json: app() }));

  route("POST /app/installations/{installation_id}/access_tokens", "jwt", (ctx) => {
    const installationId = Number(ctx.params["installation_id"]);
    if (!Number.isInteger(installationId) || !state.installationAccount(installationId)) throw new HttpError(404, "Not Found");
    const body = (ctx.body ?? {}) as { repositories?: string[]; repository_ids?: number[]; permissions?: Record<string, string> };
    const installed = [...state.repos.values()].filter((r) => r.installationId === installationId);
    let selected: HostedRepo[] | undefined;
    if (body.repositories !== undefined || body.repository_ids !== undefined) {
      const names = (body.repositories ?? []).map((n) => n.toLowerCase());
      const ids = body.repository_ids ?? [];
      selected = installed.filter((r) => names.includes(r.name.toLowerCase()) || ids.includes(r.id));
      if (selected.length !== names.length + ids.length) {
        throw new HttpError(
          422,
          "There is at least one repository that does not exist or is not accessible to the parent installation.",
        );
      }
    }
    const token = `ghs_${randomToken(36)}`;
    const expiresAt = Date.now() + TOKEN_LIFETIME_MS;
    state.tokens.set(token, {
      installationId,
      expiresAt,
      ...(selected ? { repositories: new Set(selected.map((r) => r.fullName.toLowerCase())) } : {}),
    });
    state.issuedTokens.push(token);
    return {
      status: 201,
      json: {
        token,
        expires_at: isoSeconds(new Date(expiresAt)),
        permissions: body.permissions ?? DEFAULT_PERMISSIONS,
        repository_selection: selected ? "selected" : "all",
        ...(selected ? { repositories: selected.map((r) => repositoryJson(r, state.ownerId(r.owner), state.urls)) } : {}),
      },
    };
  });

  route("GET /repos/{owner}/{repo}/installation", "jwt", (ctx) => {
    const repo = repoFor(ctx);
    const account = state.installationAccount(repo.installationId) ?? { login: repo.owner, id: state.ownerId(repo.owner) };
    return { status: 200, json: installationJson(repo.installationId, state.appId, account, state.urls) };
  });

  route("GET /repos/{owner}/{repo}/collaborators/{username}/permission", "installation", (ctx) => {
    const repo = repoFor(ctx);
    const login = ctx.params["username"]!;
    const role = state.permissions.get(`${repo.fullName}:${login}`.toLowerCase());
    if (!role) throw new HttpError(404, "Not Found");
    // the legacy `permission` field folds maintain into write and triage into read
    const permission = role === "maintain" ? "write" : role === "triage" ? "read" : role;
    return {
      status: 200,
      json: { permission, role_name: role, user: { login, id: state.ownerId(login), type: "User", site_admin: false } },
    };
  });

  route("GET /user", "user", (ctx) => ({ status: 200, json: privateUserJson(ctx.user!.login, ctx.user!.id, state.urls) }));

  // with a user token: the user's view (an App's user token sees what both the user and the App may)
  route("GET /repos/{owner}/{repo}", "user", (ctx) => {
    const key = `${ctx.params["owner"]}/${ctx.params["repo"]}`.toLowerCase();
    const repo = state.repos.get(key);
    const reads = repo !== undefined && (!repo.private || ctx.user!.canRead.some((name) => name.toLowerCase() === key));
    if (!repo || !reads) throw new HttpError(404, "Not Found", "https://docs.github.com/rest/repos/repos#get-a-repository");
    const permissions = { admin: false, maintain: false, push: false, triage: false, pull: true };
    return { status: 200, json: fullRepositoryJson(repo, state.ownerId(repo.owner), state.urls, permissions) };
  });

  route("POST /repos/{owner}/{repo}/check-runs", "installation", async (ctx) => {
    const repo = repoFor(ctx);
    const body = ctx.body as Record<string, unknown>;
    const headSha = String(body["head_sha"]);
    // GitHub only accepts full SHAs of commits the repository has (pushed, not necessarily a ref tip).
    if (!/^[0-9a-f]{40}$/.test(headSha) || (await repo.resolve(headSha)) !== headSha) {
      throw new HttpError(422, `No commit found for SHA: ${headSha}`, CHECKS_CREATE_DOCS);
    }
    const blank = newCheckRun({
      id: state.nextId(),
      owner: repo.owner,
      repo: repo.name,
      installationId: repo.installationId,
      headSha,
      checkSuiteId: state.checkSuiteId(repo, headSha),
    });
    const run = applyCheckRunBody(blank, body, true);
    state.checkRuns.set(run.id, run);
    return { status: 201, json: checkRunJson(run, state.urls, app()) };
  });

  const existingRun = (ctx: RouteContext): CheckRunRecord => {
    const repo = repoFor(ctx);
    const run = state.checkRuns.get(Number(ctx.params["check_run_id"]));
    if (!run || `${run.owner}/${run.repo}` !== repo.fullName) throw new HttpError(404, "Not Found");
    return run;
  };

  route("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", "installation", (ctx) => {
    const run = applyCheckRunBody(existingRun(ctx), ctx.body as Record<string, unknown>, false);
    state.checkRuns.set(run.id, run);
    return { status: 200, json: checkRunJson(run, state.urls, app()) };
  });

  route("GET /repos/{owner}/{repo}/check-runs/{check_run_id}", "installation", (ctx) => ({
    status: 200,
    json: checkRunJson(existingRun(ctx), state.urls, app()),
  }));

  route("GET /repos/{owner}/{repo}/commits/{ref}/check-runs", "installation", async (ctx) => {
    const repo = repoFor(ctx);
    const ref = ctx.params["ref"] as string;
    const sha = await repo.resolve(ref);
    if (sha === null) throw new HttpError(422, `No commit found for SHA: ${ref}`);
    const runs = filterCheckRuns(
      [...state.checkRuns.values()].filter((run) => `${run.owner}/${run.repo}` === repo.fullName),
      sha,
      ctx.query,
    );
    const { page, link } = paginate(runs, ctx.query, ctx.selfUrl);
    return {
      status: 200,
      json: { total_count: runs.length, check_runs: page.map((run) => checkRunJson(run, state.urls, app())) },
      ...(link ? { headers: { link } } : {}),
    };
  });

  route("GET /repos/{owner}/{repo}/contents/{path}", "installation", async (ctx) => {
    const repo = repoFor(ctx);
    const path = ctx.params["path"] as string;
    const ref = ctx.query["ref"] ?? "";
    const result = await readContents(repo.bareDir, state.gitEnv, ref, path);
    if (result.kind === "no-commit") throw new HttpError(404, `No commit found for the ref ${ref}`);
    if (result.kind === "missing") throw new HttpError(404, "Not Found");
    const urlsFor = (entry: TreeEntry): Record<string, unknown> => contentUrls(state.urls, repo, entry, ref);
    if (result.kind === "dir") {
      return { status: 200, json: result.entries.map((entry) => ({ ...entryJson(entry), ...urlsFor(entry) })) };
    }
    const { entry, content } = result;
    if (wantsRaw(ctx.headers.accept)) {
      // GitHub answers raw with text/plain; charset=utf-8, which Octokit turns into a string.
      return { status: 200, raw: content, headers: { "content-type": "text/plain; charset=utf-8" } };
    }
    const extra =
      entry.type === "symlink"
        ? { target: content.toString("utf8") }
        : entry.size > MAX_CONTENT_BYTES
          ? { content: "", encoding: "none" }
          : { content: wrapBase64(content), encoding: "base64" };
    return { status: 200, json: { ...entryJson(entry), ...extra, ...urlsFor(entry) } };
  });

  route("GET /app/hook/deliveries", "jwt", (ctx) => listHookDeliveries(state.hookDeliveries, ctx.query, ctx.selfUrl));

  route("GET /app/hook/deliveries/{delivery_id}", "jwt", (ctx) => {
    const delivery = state.hookDeliveries.find((d) => d.id === Number(ctx.params["delivery_id"]));
    if (!delivery) throw new HttpError(404, "Not Found");
    return {
      status: 200,
      json: { request: { headers: {}, payload: {} }, response: { headers: {}, payload: "" }, ...delivery },
    };
  });

  route("POST /app/hook/deliveries/{delivery_id}/attempts", "jwt", (ctx) => {
    const id = Number(ctx.params["delivery_id"]);
    const original = state.hookDeliveries.find((d) => d.id === id);
    if (!original) throw new HttpError(404, "Not Found");
    state.redeliveries.push(id);
    state.hookDeliveries.push(redeliveryAttempt(state.nextDeliveryId(), original, state.redeliveryOutcome, new Date()));
    return { status: 202, json: {} };
  });

  return routes;
}

function entryJson(entry: TreeEntry): Record<string, unknown> {
  return { type: entry.type, size: entry.size, name: entry.name, path: entry.path, sha: entry.sha };
}

function contentUrls(urls: Urls, repo: HostedRepo, entry: TreeEntry, ref: string): Record<string, unknown> {
  const refPart = ref === "" ? repo.defaultBranch : ref;
  const self = `${urls.apiUrl}/repos/${repo.fullName}/contents/${encodePath(entry.path)}?ref=${encodeURIComponent(refPart)}`;
  const gitUrl = `${urls.apiUrl}/repos/${repo.fullName}/git/${entry.type === "dir" ? "trees" : "blobs"}/${entry.sha}`;
  const html = `${repo.htmlUrl}/${entry.type === "dir" ? "tree" : "blob"}/${encodePath(refPart)}/${encodePath(entry.path)}`;
  const download = entry.type === "file" ? `${urls.webUrl}/raw/${repo.fullName}/${encodePath(refPart)}/${encodePath(entry.path)}` : null;
  return { url: self, git_url: gitUrl, html_url: html, download_url: download, _links: { self, git: gitUrl, html } };
}

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** `application/vnd.github.raw`, `.raw+json`, and Octokit's `mediaType: { format: "raw" }` (`vnd.github.v3.raw`). */
function wantsRaw(accept: string | undefined): boolean {
  return accept !== undefined && /application\/vnd\.github(\.v3)?\.raw\b/i.test(accept);
}

/** GitHub wraps base64 content at 60 characters. */
function wrapBase64(content: Buffer): string {
  const encoded = content.toString("base64");
  if (encoded === "") return "";
  return encoded.replace(/.{60}/g, "$&\n") + (encoded.length % 60 === 0 ? "" : "\n");
}

function randomToken(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join("");
}
