import type { ChildProcess } from "node:child_process";
import { createPublicKey, randomBytes, type KeyObject } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { gitEnv, initRepo } from "../helpers/git-repo.js";
import { serveGitHttpBackend } from "./git-backend.js";
import { FakeLfs, type LfsDownload, type LfsObject } from "./fake-lfs.js";
import { buildHookDelivery, PENDING_OUTCOME } from "./hook-deliveries.js";
import { errorReply, HttpError, readBody, sendReply, type Reply } from "./http-util.js";
import { OAuthWebFlow } from "./oauth-web-flow.js";
import { loadOperations, type OperationIndex } from "./openapi-operations.js";
import { createRoutes, type FakeState, type IssuedToken, type Route, type RouteContext } from "./routes.js";
import type {
  CheckRunRecord,
  CreateRepoOptions,
  FakeGitHub,
  FakeGitHubOptions,
  GitRequestRecord,
  HookDelivery,
  HookDeliveryInit,
  HeldRequest,
  HookOutcome,
  HostedRepo,
  OAuthRequestRecord,
  OAuthUser,
  RecordedRequest,
} from "./types.js";
import { createBodyValidator, type BodyValidator } from "./validate-body.js";
import { verifyAppJwt } from "./verify-jwt.js";

export type * from "./types.js";

const API_PREFIX = "/api/v3";
const GIT_PATH = /^\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)\.git(\/.*)?$/;
/** As GitHub, the smart HTTP protocol also at the repository's URL without `.git` (how many `.gitmodules` name it). */
const GIT_PATH_BARE_NAME = /^\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)(\/(?:info\/refs|git-upload-pack))$/;
const NAME = /^[A-Za-z0-9_.-]+$/;
const DEFAULT_WAIT_MS = 10_000;
/** What api.github.com/meta listed as `hooks` when this was written. */
const GITHUB_HOOKS = ["192.30.252.0/22", "185.199.108.0/22", "140.82.112.0/20", "143.55.64.0/20", "2a0a:a440::/29", "2606:50c0::/32"];

// Parsing the 850 kB spec and compiling schemas is done once per test file, not per server.
let sharedOperations: OperationIndex | undefined;
let sharedValidator: BodyValidator | undefined;

/** Starts a fake GitHub (REST API subset + git smart HTTP) on 127.0.0.1 with a random port. */
export async function startFakeGitHub(options: FakeGitHubOptions): Promise<FakeGitHub> {
  const ownsReposRoot = options.reposRoot === undefined;
  const reposRoot = options.reposRoot ?? (await mkdtemp(join(tmpdir(), "gantry-fake-gh-repos-")));
  await mkdir(reposRoot, { recursive: true });
  // loaded before anything listens: a spec that fails to load must not leave a server keeping the process alive
  sharedOperations ??= loadOperations();
  sharedValidator ??= createBodyValidator();
  const home = await mkdtemp(join(tmpdir(), "gantry-fake-gh-home-"));
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const fake = new FakeGitHubServer(server, port, options, {
    reposRoot,
    ownsReposRoot,
    home,
    operations: sharedOperations,
    validate: sharedValidator,
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
  return fake;
}

interface Internals {
  reposRoot: string;
  ownsReposRoot: boolean;
  home: string;
  operations: OperationIndex;
  validate: BodyValidator;
}

interface Hold {
  method: string;
  pattern: RegExp;
  body: ((body: unknown) => boolean) | undefined;
  /** Resolves when released. */
  gate: Promise<void>;
  open: () => void;
  arrived: () => void;
}

interface Failure {
  method: string;
  pattern: RegExp;
  status: number;
  remaining: number;
}

class FakeGitHubServer implements FakeGitHub, FakeState {
  readonly url: string;
  readonly host: string;
  readonly apiUrl: string;
  readonly reposRoot: string;
  readonly appId: number;
  readonly urls: { apiUrl: string; webUrl: string };
  readonly requests: RecordedRequest[] = [];
  readonly gitRequests: GitRequestRecord[] = [];
  readonly checkRuns = new Map<number, CheckRunRecord>();
  readonly issuedTokens: string[] = [];
  readonly tokens = new Map<string, IssuedToken>();
  readonly repos = new Map<string, HostedRepo>();
  hookDeliveries: HookDelivery[] = [];
  readonly redeliveries: number[] = [];
  redeliveryOutcome: HookOutcome = PENDING_OUTCOME;
  hooks: string[] = [...GITHUB_HOOKS];
  readonly permissions = new Map<string, "admin" | "maintain" | "write" | "triage" | "read">();
  readonly gitEnv: NodeJS.ProcessEnv;
  readonly oauthClient: { clientId: string; clientSecret: string };

  private readonly oauth: OAuthWebFlow;
  private readonly publicKey: KeyObject;
  private readonly routes: Map<string, Route>;
  private readonly failures: Failure[] = [];
  private readonly holds: Hold[] = [];
  private readonly children = new Set<ChildProcess>();
  private readonly lfs = new FakeLfs();
  private readonly owners = new Map<string, number>();
  private readonly suites = new Map<string, number>();
  private lastId = 0;
  private lastRepoId = 100_000;
  private lastSuiteId = 50_000;
  // GitHub's delivery ids are large; starting high keeps them apart from check run ids in test output.
  private lastDeliveryId = 90_000_000;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly server: Server,
    port: number,
    private readonly options: FakeGitHubOptions,
    private readonly internals: Internals,
  ) {
    this.host = `127.0.0.1:${port}`;
    this.url = `http://${this.host}`;
    this.apiUrl = `${this.url}${API_PREFIX}`;
    this.urls = { apiUrl: this.apiUrl, webUrl: this.url };
    this.reposRoot = internals.reposRoot;
    this.appId = options.appId;
    this.publicKey = createPublicKey(options.publicKey);
    this.gitEnv = gitEnv(internals.home);
    // the app's own client id (as GET /app says it), so GITHUB_CLIENT_ID is what Probot's setup would write
    this.oauthClient = { clientId: `Iv1.${options.appId.toString(16).padStart(16, "0")}`, clientSecret: randomBytes(20).toString("hex") };
    this.oauth = new OAuthWebFlow(this.oauthClient);
    this.routes = createRoutes(this);
  }

  get oauthRequests(): OAuthRequestRecord[] {
    return this.oauth.records;
  }

  get userTokens(): string[] {
    return this.oauth.issued;
  }

  setOAuthUser(user: OAuthUser | null): void {
    this.oauth.user = user;
  }

  // ---- FakeState ----

  nextId(): number {
    return ++this.lastId;
  }

  checkSuiteId(repo: HostedRepo, headSha: string): number {
    const key = `${repo.fullName}@${headSha}`;
    let id = this.suites.get(key);
    if (id === undefined) {
      id = ++this.lastSuiteId;
      this.suites.set(key, id);
    }
    return id;
  }

  nextDeliveryId(): number {
    // Tests may also push deliveries with ids of their own choosing.
    this.lastDeliveryId = Math.max(this.lastDeliveryId, ...this.hookDeliveries.map((d) => d.id)) + 1;
    return this.lastDeliveryId;
  }

  installationAccount(installationId: number): { login: string; id: number } | undefined {
    const first = [...this.repos.values()].find((repo) => repo.installationId === installationId);
    if (first) return { login: first.owner, id: this.ownerId(first.owner) };
    // Installation 1 exists before any repo so token issuance can be tested on its own.
    return installationId === 1 ? { login: "gantry-test", id: this.ownerId("gantry-test") } : undefined;
  }

  ownerId(login: string): number {
    const key = login.toLowerCase();
    let id = this.owners.get(key);
    if (id === undefined) {
      id = 5_000 + this.owners.size + 1;
      this.owners.set(key, id);
    }
    return id;
  }

  // ---- FakeGitHub ----

  checkRunsFor(owner: string, repo: string): CheckRunRecord[] {
    const fullName = `${owner}/${repo}`.toLowerCase();
    return [...this.checkRuns.values()]
      .filter((run) => `${run.owner}/${run.repo}`.toLowerCase() === fullName)
      .sort((a, b) => a.id - b.id);
  }

  async waitFor<T>(predicate: () => T | undefined | false | null, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        const value = predicate();
        // a promise is always truthy: a predicate that returns one would "hold" at once
        if (value instanceof Promise) throw new TypeError("waitFor takes a synchronous predicate; use eventually() for async ones");
        if (value) return value;
        lastError = undefined;
      } catch (error) {
        // Predicates often dereference state that does not exist yet; that just means "not yet".
        lastError = error;
      }
      if (Date.now() >= deadline) throw new Error(this.describeTimeout(predicate, timeoutMs, lastError));
      await sleep(20);
    }
  }

  failNext(method: string, pathPattern: RegExp, status: number, times = 1): void {
    this.failures.push({ method: method.toUpperCase(), pattern: pathPattern, status, remaining: times });
  }

  hold(method: string, pathPattern: RegExp, body?: (body: unknown) => boolean): HeldRequest {
    let open = () => {};
    let arrived = () => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const hold: Hold = { method: method.toUpperCase(), pattern: pathPattern, body, gate, open, arrived };
    this.holds.push(hold);
    return {
      reached,
      release: () => {
        const index = this.holds.indexOf(hold);
        if (index !== -1) this.holds.splice(index, 1);
        open();
      },
    };
  }

  clearFailures(): void {
    this.failures.length = 0;
  }

  resetRecords(): void {
    this.hookDeliveries = [];
    this.redeliveries.length = 0;
    this.requests.length = 0;
    this.clearFailures();
    this.redeliveryOutcome = PENDING_OUTCOME;
  }

  addHookDelivery(init: HookDeliveryInit): HookDelivery {
    const delivery = buildHookDelivery(this.nextDeliveryId(), init);
    this.hookDeliveries.push(delivery);
    return delivery;
  }

  async createRepo(owner: string, name: string, options: CreateRepoOptions = {}): Promise<HostedRepo> {
    if (!NAME.test(owner) || !NAME.test(name) || [owner, name].some((n) => n === "." || n === "..")) {
      throw new Error(`createRepo: invalid owner/name ${owner}/${name}`);
    }
    if (name.endsWith(".git")) throw new Error(`createRepo: name must not end with .git: ${name}`);
    const key = `${owner}/${name}`.toLowerCase();
    if (this.repos.has(key)) throw new Error(`createRepo: ${owner}/${name} already exists`);
    const repo = await initRepo({
      bareDir: join(this.reposRoot, owner, `${name}.git`),
      ...(options.defaultBranch !== undefined ? { defaultBranch: options.defaultBranch } : {}),
      config: {
        // Clients fetch exact SHAs from push events, which need not be a ref tip any more.
        "uploadpack.allowAnySHA1InWant": "true",
        "uploadpack.allowFilter": "true",
        "http.receivepack": "false",
      },
    });
    const hosted = Object.assign(repo, {
      owner,
      name,
      fullName: `${owner}/${name}`,
      id: ++this.lastRepoId,
      installationId: options.installationId ?? 1,
      private: options.private ?? true,
      cloneUrl: `${this.url}/${owner}/${name}.git`,
      htmlUrl: `${this.url}/${owner}/${name}`,
    });
    this.repos.set(key, hosted);
    this.ownerId(owner);
    return hosted;
  }

  putLfsObject(repo: HostedRepo, content: string | Uint8Array): Promise<LfsObject> {
    return this.lfs.put(repo.fullName.toLowerCase(), content);
  }

  get lfsDownloads(): LfsDownload[] {
    return this.lfs.downloads;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  // ---- HTTP ----

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? "/", this.url);
      if (url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`)) {
        await this.handleApi(req, res, url);
        return;
      }
      if (url.pathname.startsWith("/login/oauth/") && (await this.oauth.handle(req, res, url))) return;
      const git = GIT_PATH.exec(url.pathname) ?? GIT_PATH_BARE_NAME.exec(url.pathname);
      if (git) {
        if (!(await this.passHold(req, res, url.pathname, undefined))) return;
        await this.handleGit(req, res, url, git[1] as string, git[2] as string, git[3] ?? "");
        return;
      }
      await readBody(req);
      const reply = errorReply(404, "Not Found");
      this.requests.push({ method: req.method ?? "GET", path: url.pathname, query: {}, body: null, status: 404, error: "Not Found", at: Date.now() });
      sendReply(res, reply);
    } catch (error) {
      // A fake that crashes silently makes e2e failures undiagnosable; answer 500 with the cause.
      // (After close() the socket may be gone; that must not become an unhandled rejection.)
      try {
        if (!res.headersSent) sendReply(res, errorReply(500, `fake GitHub error: ${String(error)}`));
        else res.destroy();
      } catch {
        res.destroy();
      }
    }
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const path = url.pathname.slice(API_PREFIX.length) || "/";
    const query = Object.fromEntries(url.searchParams);
    const raw = await readBody(req);
    let body: unknown = null;
    let badJson = false;
    if (raw.length > 0) {
      const text = raw.toString("utf8");
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
        badJson = true;
      }
    }
    if (!(await this.passHold(req, res, path, body))) return;
    if (this.options.latencyMs) {
      const [min, max] = this.options.latencyMs;
      await sleep(min + Math.random() * Math.max(max - min, 0));
    }
    const record: RecordedRequest = { method, path, query, body, status: 0, at: 0 };
    let reply: Reply;
    try {
      reply = await this.dispatch(req, url, method, path, query, body, badJson, record);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      reply = errorReply(error.status, error.message, error.documentationUrl, error.headers);
    }
    record.status = reply.status;
    if (reply.error !== undefined) record.error = reply.error;
    record.at = Date.now();
    this.requests.push(record);
    sendReply(res, reply);
  }

  private async dispatch(
    req: IncomingMessage,
    url: URL,
    method: string,
    path: string,
    query: Record<string, string>,
    body: unknown,
    badJson: boolean,
    record: RecordedRequest,
  ): Promise<Reply> {
    const match = this.internals.operations.match(method, path);
    if (match) record.operationId = match.operation.operationId;
    const presented = this.lookupToken(req.headers.authorization);
    if (presented) record.installationId = presented.installationId;
    if (match?.params["installation_id"] !== undefined) record.installationId = Number(match.params["installation_id"]);

    const injected = this.takeFailure(method, path);
    if (injected !== undefined) return errorReply(injected);
    if (!match) return errorReply(404, "Not Found");
    const { operation, params } = match;
    const route = this.routes.get(`${operation.method} ${operation.template}`);
    if (!route) return errorReply(404, `Not Found (the fake GitHub does not implement ${operation.operationId})`);

    const ctx: RouteContext = { params, query, body, headers: req.headers, selfUrl: url.toString() };
    if (route.auth === "jwt") {
      const verdict = this.verifyJwt(req.headers.authorization);
      if (verdict !== undefined) return errorReply(401, verdict);
    } else if (route.auth === "installation") {
      if (!presented) return errorReply(401, "Bad credentials");
      ctx.token = presented;
    } else if (route.auth === "user") {
      const user = this.oauth.userFor(req.headers.authorization);
      if (!user) return errorReply(401, req.headers.authorization ? "Bad credentials" : "Requires authentication");
      ctx.user = user;
    }

    if (badJson) return errorReply(400, "Problems parsing JSON");
    // A missing required body is validated as `{}` so it fails on the required properties, as on GitHub.
    const toValidate = body ?? (operation.bodyRequired ? {} : undefined);
    if (toValidate !== undefined) {
      const invalid = this.internals.validate(operation, toValidate);
      if (invalid !== undefined) return errorReply(422, invalid, operation.documentationUrl);
    }
    return route.handle(ctx);
  }

  private async handleGit(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    owner: string,
    name: string,
    rest: string,
  ): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const credentials = parseBasic(req.headers.authorization);
    const record: GitRequestRecord = {
      method,
      path: url.pathname,
      query: url.search.slice(1),
      user: credentials?.user ?? null,
      ok: false,
      status: 0,
    };
    const finish = (status: number, message?: string, headers: Record<string, string> = {}): void => {
      record.status = status;
      this.gitRequests.push(record);
      if (message !== undefined) {
        req.resume();
        res.writeHead(status, { "content-type": "text/plain; charset=utf-8", ...headers });
        res.end(`${message}\n`);
      }
    };

    const injected = this.takeFailure(method, url.pathname);
    if (injected !== undefined) return finish(injected, "Injected failure");

    const key = `${owner}/${name}`.toLowerCase();
    const repo = this.repos.get(key);
    const token = credentials?.user === "x-access-token" ? this.lookupToken(`token ${credentials.password}`) : undefined;
    // as on GitHub, any valid token reads a public repository, also one it is not scoped to (how a repository's
    // token fetches public submodules in other repositories); a private one only with a token for it
    const scoped = (found: HostedRepo) => token && token.installationId === found.installationId && (!token.repositories || token.repositories.has(key));
    if (!token || (repo && repo.private && !scoped(repo))) {
      return finish(401, "Invalid username or token. Password authentication is not supported for Git operations.", {
        "www-authenticate": 'Basic realm="GitHub"',
      });
    }
    if (!repo) return finish(404, "Repository not found.");

    record.ok = true;
    if (rest === "/info/lfs/objects/batch") return finish(await this.lfs.batch(req, res, key));
    const status = await serveGitHttpBackend(req, res, {
      projectRoot: this.reposRoot,
      pathInfo: `/${repo.owner}/${repo.name}.git${rest}`,
      query: url.search.slice(1),
      remoteUser: credentials?.user ?? "",
      env: this.gitEnv,
      children: this.children,
    });
    finish(status);
  }

  // ---- helpers ----

  private lookupToken(authorization: string | undefined): IssuedToken | undefined {
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization ?? "");
    const token = match ? this.tokens.get(match[1] as string) : undefined;
    return token && token.expiresAt > Date.now() ? token : undefined;
  }

  /** Returns GitHub's 401 message for a missing/invalid app JWT, or undefined when it is valid. */
  private verifyJwt(authorization: string | undefined): string | undefined {
    const match = /^bearer\s+(\S+)$/i.exec(authorization ?? "");
    if (!match) return "A JSON web token could not be decoded";
    const verdict = verifyAppJwt(match[1] as string, { appId: this.appId, publicKey: this.publicKey });
    return verdict.ok ? undefined : verdict.message;
  }

  /**
   * Waits at the first hold this request matches (taking it: a hold holds one request). False when the client
   * went away meanwhile: the request is dropped without effect.
   */
  private async passHold(req: IncomingMessage, res: ServerResponse, path: string, body: unknown): Promise<boolean> {
    const method = (req.method ?? "GET").toUpperCase();
    const index = this.holds.findIndex((h) => {
      h.pattern.lastIndex = 0;
      return (h.method === "*" || h.method === method) && h.pattern.test(path) && (h.body === undefined || h.body(body));
    });
    if (index === -1) return true;
    const hold = this.holds.splice(index, 1)[0] as Hold;
    hold.arrived();
    await hold.gate;
    if (!req.socket.destroyed) return true;
    res.destroy();
    return false;
  }

  private takeFailure(method: string, path: string): number | undefined {
    const index = this.failures.findIndex((f) => {
      f.pattern.lastIndex = 0;
      return (f.method === "*" || f.method === method) && f.pattern.test(path);
    });
    if (index === -1) return undefined;
    const failure = this.failures[index] as Failure;
    failure.remaining -= 1;
    if (failure.remaining <= 0) this.failures.splice(index, 1);
    return failure.status;
  }

  private describeTimeout(predicate: () => unknown, timeoutMs: number, lastError: unknown): string {
    const recent = this.requests
      .slice(-15)
      .map((r) => `  ${r.method} ${r.path} -> ${r.status}${r.error ? ` (${r.error.split("\n").join(" ")})` : ""}`)
      .join("\n");
    return [
      `waitFor timed out after ${timeoutMs} ms waiting for: ${predicate.toString().slice(0, 400)}`,
      ...(lastError !== undefined ? [`last predicate error: ${String(lastError)}`] : []),
      `check runs: ${JSON.stringify([...this.checkRuns.values()].map((r) => ({ id: r.id, name: r.name, status: r.status, conclusion: r.conclusion })))}`,
      `last API requests (${this.requests.length} total):`,
      recent || "  (none)",
    ].join("\n");
  }

  private async shutdown(): Promise<void> {
    const exits = [...this.children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve();
          else {
            child.once("close", () => resolve());
            child.kill("SIGKILL");
          }
        }),
    );
    await Promise.all(exits);
    await this.lfs.close();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      // Octokit/undici keep connections alive; without this close() would wait for them to idle out.
      this.server.closeAllConnections();
    });
    await Promise.all([...this.repos.values()].map((repo) => repo.cleanup()));
    await rm(this.internals.home, { recursive: true, force: true });
    if (this.internals.ownsReposRoot) await rm(this.reposRoot, { recursive: true, force: true });
  }
}

function parseBasic(authorization: string | undefined): { user: string; password: string } | undefined {
  const match = /^basic\s+(\S+)$/i.exec(authorization ?? "");
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon === -1 ? { user: decoded, password: "" } : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
