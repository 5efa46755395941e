import type { LfsDownload, LfsObject } from "./fake-lfs.js";
import type { Repo } from "../helpers/git-repo.js";

export interface FakeGitHubOptions {
  appId: number;
  /** PEM of the app's RSA public key (SPKI or PKCS#1); JWTs are verified against it. */
  publicKey: string;
  /** Directory for bare repos (`owner/name.git`); default: a new temp dir, removed on close. */
  reposRoot?: string;
  /** Delay every API answer by a random time in [min, max] ms (git traffic is not delayed). */
  latencyMs?: [number, number];
}

/** One API request as the fake saw it, recorded when its answer was sent. */
export interface HeldRequest {
  /** Resolves once a matching request arrived and is being held. */
  reached: Promise<void>;
  /** Lets it (and anything after it) through; a hold released before it was reached holds nothing. */
  release(): void;
}

export interface RecordedRequest {
  method: string;
  /** Path below `/api/v3`, still percent-encoded, without the query (e.g. `/repos/o/r/check-runs`). */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON body; null without a body; the raw text when it was not JSON. */
  body: unknown;
  status: number;
  /** Installation of the token used (or of the access-token request). */
  installationId?: number;
  /** OpenAPI operationId (e.g. `checks/create`); absent when the subset has no such operation. */
  operationId?: string;
  /** Error message sent back for a 4xx/5xx answer. */
  error?: string;
  /** Milliseconds since epoch when the answer was sent. */
  at: number;
}

export interface GitRequestRecord {
  method: string;
  /** e.g. `/octo/app.git/info/refs` */
  path: string;
  query: string;
  /** Basic-auth user name, or null without credentials. */
  user: string | null;
  /** Credentials valid for this repo, so the request reached `git http-backend`. */
  ok: boolean;
  status: number;
}

export type CheckRunStatus = "queued" | "in_progress" | "completed";

/** Current state of a check run (create + every accepted update merged, as GitHub would show it). */
export interface CheckRunRecord {
  id: number;
  /** Repository as created with `createRepo` (original case). */
  owner: string;
  repo: string;
  installationId: number;
  name: string;
  head_sha: string;
  status: CheckRunStatus;
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
  details_url: string | null;
  external_id: string | null;
  output: {
    title: string | null;
    summary: string | null;
    text: string | null;
    annotations_count: number;
  };
  /** Every annotation sent, in order (GitHub appends them across updates). */
  annotations: Array<Record<string, unknown>>;
  images: Array<Record<string, unknown>>;
  actions: Array<Record<string, unknown>>;
  check_suite_id: number;
  /** Every accepted create/update request body, in order (create first). Rejected ones are not here. */
  history: Array<Record<string, unknown>>;
}

/** A webhook delivery as `GET /app/hook/deliveries` lists it; extra fields are returned by the single-delivery route. */
export interface HookDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  duration: number;
  status: string;
  status_code: number;
  event: string;
  action: string | null;
  installation_id: number | null;
  repository_id: number | null;
  [extra: string]: unknown;
}

/** What `addHookDelivery` needs; the rest defaults to a plausible push delivery of installation 1. */
export interface HookDeliveryInit {
  guid: string;
  event: string;
  /** 0 = no answer (GitHub's "failed to connect"). */
  statusCode: number;
  /** Date, epoch ms or ISO string; listed with whole seconds, as GitHub does. */
  deliveredAt: Date | number | string;
  redelivery?: boolean;
  /** Default: "OK" for 2xx, "failed to connect" for 0, else "Invalid HTTP Response: <code>". */
  status?: string;
  action?: string | null;
  installationId?: number | null;
  repositoryId?: number | null;
  duration?: number;
}

/** How an attempt ended, as the deliveries list shows it. */
export interface HookOutcome {
  statusCode: number;
  status?: string;
}

/** A repository hosted by the fake: the git-repo helper plus what webhook payloads need. */
export interface HostedRepo extends Repo {
  owner: string;
  name: string;
  fullName: string;
  id: number;
  installationId: number;
  /** As GitHub says in `private`; tokens of users who may not read a private repository get 404 for it. */
  private: boolean;
  /** `${url}/owner/name.git` */
  cloneUrl: string;
  htmlUrl: string;
}

export interface CreateRepoOptions {
  /** Installation the repo belongs to (tokens of other installations cannot see it). Default 1. */
  installationId?: number;
  defaultBranch?: string;
  /** Default true: a private repository, readable only by the users an OAuth user's `canRead` names. */
  private?: boolean;
}

/** The user who "signs in" on the fake's OAuth authorize page (there is no form: it answers at once). */
export interface OAuthUser {
  login: string;
  id: number;
  /** Full names (`owner/name`) of the private repositories the user may read; public ones anyone may. */
  canRead: string[];
  /** false: the user declines, and the authorize page redirects back with `error=access_denied`. Default true. */
  consent?: boolean;
}

/** One request to the fake's OAuth web endpoints (`/login/oauth/…`), as answered. */
export interface OAuthRequestRecord {
  method: string;
  path: string;
  /** Query parameters, or the form/JSON body of the token exchange (client_secret left out). */
  params: Record<string, string>;
  status: number;
  /** GitHub's `error` code sent back (e.g. `bad_verification_code`), if any. */
  error?: string;
}

export interface FakeGitHub {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT` (the app's GHE_HOST; API base is `${url}/api/v3`). */
  host: string;
  /** `${url}/api/v3` */
  apiUrl: string;
  reposRoot: string;
  requests: RecordedRequest[];
  gitRequests: GitRequestRecord[];
  checkRuns: Map<number, CheckRunRecord>;
  checkRunsFor(owner: string, repo: string): CheckRunRecord[];
  /** Polls `predicate` every 20 ms until it returns a truthy value (thrown errors count as "not yet"). Default timeout 10 s. */
  waitFor<T>(predicate: () => T | undefined | false | null, timeoutMs?: number): Promise<T>;
  issuedTokens: string[];
  /** The next `times` (default 1) requests whose method matches (`*` = any) and whose path matches get `status`. */
  failNext(method: string, pathPattern: RegExp, status: number, times?: number): void;
  /**
   * Holds the next request whose method matches (`*` = any), whose path matches (the API path below `/api/v3`, or
   * the git path such as `/octo/app.git/git-upload-pack`) and whose JSON body `body` accepts, until released.
   * A held request whose client went away meanwhile (a killed node) is dropped unanswered, as if it never
   * reached GitHub.
   */
  hold(method: string, pathPattern: RegExp, body?: (body: unknown) => boolean): HeldRequest;
  /** Forgets every failure still to be injected. */
  clearFailures(): void;
  /** Forgets recorded requests, hook deliveries and redeliveries, and failures still to inject. */
  resetRecords(): void;
  createRepo(owner: string, name: string, options?: CreateRepoOptions): Promise<HostedRepo>;
  repos: Map<string, HostedRepo>;
  /** Served by `GET /app/hook/deliveries` (newest first, whatever the order here); replace or push freely. */
  hookDeliveries: HookDelivery[];
  /** Adds a delivery attempt with a fresh id (greater than any listed one) and returns it. */
  addHookDelivery(init: HookDeliveryInit): HookDelivery;
  /** Delivery ids accepted by `POST /app/hook/deliveries/{id}/attempts`, in order. */
  redeliveries: number[];
  /**
   * Status of the attempt each accepted redelivery appends to `hookDeliveries` (`redelivery: true`,
   * delivered now). Default `{ statusCode: 0, status: "pending" }`: the fake sends no webhook itself.
   */
  redeliveryOutcome: HookOutcome;
  /** Served as `hooks` by `GET /meta` (GitHub's webhook source ranges); default GitHub.com's. Replace freely. */
  hooks: string[];
  /** Repository permissions by `owner/repo:login` (lower-cased); a login not listed is not a collaborator. */
  readonly permissions: Map<string, "admin" | "maintain" | "write" | "triage" | "read">;
  /** The App's OAuth client (the app's `client_id`); the app's GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET. */
  readonly oauthClient: { clientId: string; clientSecret: string };
  /** Who signs in on the next visits to `/login/oauth/authorize`; null (the default): nobody, a login page is shown. */
  setOAuthUser(user: OAuthUser | null): void;
  /** Every request to `/login/oauth/…`, in order. */
  readonly oauthRequests: OAuthRequestRecord[];
  /** User tokens (`ghu_…`) issued by the token exchange, in order. */
  readonly userTokens: string[];
  /**
   * Stores `content` as an LFS object of `repo`, served through its batch API (`…/info/lfs/objects/batch`, with the
   * same token check as git) and downloaded from another port; commit the returned pointer in place of the file.
   */
  putLfsObject(repo: HostedRepo, content: string | Uint8Array): Promise<LfsObject>;
  /** Every request the LFS download host answered, in order. */
  readonly lfsDownloads: LfsDownload[];
  close(): Promise<void>;
}
