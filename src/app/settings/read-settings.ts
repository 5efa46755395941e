import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { parseCidr } from "../allowlist/parse-cidr.js";
import { readPassEnv } from "./read-pass-env.js";
import { readSandboxSettings, type SandboxSettings } from "./read-sandbox-settings.js";
import { SettingsError } from "./settings-error.js";
import type { OAuthClient } from "../../report/access/oauth-client.js";

/** gantry's own settings, read once at start-up from the environment. */
export interface Settings {
  /** Embedded store, logs and workspaces live here. */
  dataDir: string;
  /** Pipelines run at once by this process; 0 = serve webhooks only. */
  concurrency: number;
  /** Base of each check run's `details_url` (no trailing slash); null = no link. */
  publicUrl: string | null;
  /** A smee.io channel that deliveries are forwarded from, to a server GitHub cannot reach; null = none. */
  webhookProxyUrl: string | null;
  /** Extra server variables that steps may see, besides the built-in allowlist. */
  passEnv: string[];
  webhookSecret: string;
  webhookPath: string;
  port: number;
  host: string;
  /** Webhook sources: null = any; "github" = GitHub's published hook ranges (GET /meta); else these ranges. */
  ipAllowlist: "github" | string[] | null;
  /** Reverse proxies (ranges) whose X-Forwarded-For names the client. */
  trustedProxies: string[];
  /** PEM files to serve HTTPS with; null = plain HTTP. */
  tls: TlsFiles | null;
  /** `https://github.com` or `${GHE_PROTOCOL}://${GHE_HOST}`: where repositories are cloned from. */
  gitBaseUrl: string;
  /** REST API base, as Probot derives it; GANTRY_IP_ALLOWLIST=github reads GitHub's hook ranges from its /meta. */
  apiBaseUrl: string;
  production: boolean;
  /** Set: queue and run records live in this Redis (BullMQ), shared by any number of nodes. */
  redisUrl: string | null;
  /** On SIGTERM, how long running steps may go on before they are interrupted and queued again. */
  shutdownGraceMs: number;
  /** How often to ask GitHub to redeliver deliveries that failed; 0 = never. */
  redeliveryIntervalMs: number;
  /**
   * Redis mode: a worker that has not renewed its hold on a job for this long is taken for dead; its runs go to
   * another worker within 1.25 times this after it died (takeoverBoundMs).
   */
  workerLockMs: number;
  /** Deliveries, completed runs and logs older than this many days are removed (hourly); 0 = kept forever. */
  retentionDays: number;
  /** Runs start only while the data folder's file system has this many bytes free (GANTRY_MIN_FREE_GB); 0 = no check. */
  minFreeBytes: number;
  /** All repositories' dependency caches on this node together stay within this (GANTRY_CACHE_MAX_GB); 0 = caches off. */
  cacheMaxBytes: number;
  /** One repository's caches stay within this (GANTRY_CACHE_REPOSITORY_MAX_GB, default the overall cap). */
  cacheRepositoryMaxBytes: number;
  /** How steps are isolated from the host. */
  sandbox: SandboxSettings;
  /** The operator's secrets (GANTRY_SECRETS_FILE, default `<dataDir>/secrets.yml`); it need not exist. */
  secretsFile: string;
  /**
   * The App's OAuth client (GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET, which Probot's setup writes): viewers of a
   * private repository's run page sign in with it. null: those pages show only the run's state.
   */
  oauth: OAuthClient | null;
}


export interface TlsFiles {
  certPath: string;
  keyPath: string;
}

export { SettingsError };

export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const production = env["NODE_ENV"] === "production";
  const secret = env["WEBHOOK_SECRET"] ?? "";
  if (secret === "" && production) {
    throw new SettingsError(
      "WEBHOOK_SECRET is not set. In production gantry refuses to start without it, because Probot would " +
        'otherwise accept deliveries signed with the public default "development". Set WEBHOOK_SECRET to the ' +
        "secret configured in your GitHub App's webhook settings.",
    );
  }
  const gheHost = env["GHE_HOST"] ?? "";
  const gheProtocol = env["GHE_PROTOCOL"] || "https";
  const gitBaseUrl = gheHost ? `${gheProtocol}://${gheHost}` : "https://github.com";
  const dataDir = resolve(env["GANTRY_DATA_DIR"] || ".gantry");
  const secretsFile = resolve(env["GANTRY_SECRETS_FILE"] || resolve(dataDir, "secrets.yml"));
  return {
    dataDir,
    concurrency: readCount(env, "GANTRY_CONCURRENCY", availableParallelism()),
    publicUrl: env["GANTRY_PUBLIC_URL"] ? env["GANTRY_PUBLIC_URL"].replace(/\/+$/, "") : null,
    webhookProxyUrl: readHttpUrl(env, "WEBHOOK_PROXY_URL"),
    passEnv: readPassEnv(env),
    webhookSecret: secret || "development",
    webhookPath: env["WEBHOOK_PATH"] || "/api/github/webhooks",
    port: readCount(env, "PORT", 3000),
    host: env["HOST"] || "localhost",
    ipAllowlist: readAllowlist(env),
    trustedProxies: readRanges(env, "GANTRY_TRUSTED_PROXIES"),
    tls: readTlsFiles(env),
    gitBaseUrl,
    apiBaseUrl: gheHost ? `${gitBaseUrl}/api/v3` : "https://api.github.com",
    production,
    redisUrl: env["REDIS_URL"] || null,
    shutdownGraceMs: readCount(env, "GANTRY_SHUTDOWN_GRACE_SECONDS", 30) * 1000,
    redeliveryIntervalMs: readCount(env, "GANTRY_REDELIVERY_INTERVAL_SECONDS", 600) * 1000,
    retentionDays: readCount(env, "GANTRY_RETENTION_DAYS", 30),
    minFreeBytes: readCount(env, "GANTRY_MIN_FREE_GB", 2) * 2 ** 30,
    cacheMaxBytes: readCount(env, "GANTRY_CACHE_MAX_GB", 10) * 2 ** 30,
    cacheRepositoryMaxBytes: readCount(env, "GANTRY_CACHE_REPOSITORY_MAX_GB", readCount(env, "GANTRY_CACHE_MAX_GB", 10)) * 2 ** 30,
    workerLockMs: Math.max(1, readCount(env, "GANTRY_WORKER_LOCK_SECONDS", 20)) * 1000,
    sandbox: readSandboxSettings(env, { dataDir, secretsFile, cwd: process.cwd() }),
    secretsFile,
    oauth: readOAuthClient(env),
  };
}

function readOAuthClient(env: NodeJS.ProcessEnv): OAuthClient | null {
  const clientId = (env["GITHUB_CLIENT_ID"] ?? "").trim();
  const clientSecret = (env["GITHUB_CLIENT_SECRET"] ?? "").trim();
  if (clientId === "" && clientSecret === "") return null;
  if (clientId === "" || clientSecret === "") {
    const [set, unset] = clientId === "" ? ["GITHUB_CLIENT_SECRET", "GITHUB_CLIENT_ID"] : ["GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"];
    throw new SettingsError(
      `${set} is set but ${unset} is not: signing in to private repositories' run pages needs both (the App's ` +
        `client id and a client secret, from the App's settings page), and without either those pages show only the run's state`,
    );
  }
  return { clientId, clientSecret };
}

function readAllowlist(env: NodeJS.ProcessEnv): Settings["ipAllowlist"] {
  const raw = (env["GANTRY_IP_ALLOWLIST"] ?? "").trim();
  if (raw === "") return null;
  if (raw.toLowerCase() === "github") return "github";
  return readRanges(env, "GANTRY_IP_ALLOWLIST");
}

function readRanges(env: NodeJS.ProcessEnv, name: string): string[] {
  const raw = env[name] ?? "";
  const entries = raw.split(/[\s,]+/).filter(Boolean);
  const invalid = entries.find((entry) => parseCidr(entry) === null);
  if (invalid !== undefined) {
    const hint = invalid.toLowerCase() === "github" ? ' ("github" stands alone, without ranges)' : " (such as 192.30.252.0/22 or 2a0a:a440::/29)";
    throw new SettingsError(`${name}: "${invalid}" is not an IP address or CIDR range${hint}, in "${raw}"`);
  }
  return entries;
}

function readTlsFiles(env: NodeJS.ProcessEnv): TlsFiles | null {
  const cert = env["TLS_CERT"] ?? "";
  const key = env["TLS_KEY"] ?? "";
  if (cert === "" && key === "") return null;
  if (cert === "" || key === "") {
    const [set, unset] = cert === "" ? ["TLS_KEY", "TLS_CERT"] : ["TLS_CERT", "TLS_KEY"];
    throw new SettingsError(`${set} is set but ${unset} is not: HTTPS needs both PEM files (the certificate and its private key), plain HTTP neither`);
  }
  return { certPath: resolve(cert), keyPath: resolve(key) };
}

function readCount(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  // digits only: Number() would also take "1e3", "0x10" and a blank " " (as 0, which stops a node running pipelines)
  const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value)) {
    throw new SettingsError(`${name}: "${raw}" is not a whole number of 0 or more`);
  }
  return value;
}

function readHttpUrl(env: NodeJS.ProcessEnv, name: string): string | null {
  const raw = env[name];
  if (raw === undefined || raw === "") return null;
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) {
    throw new SettingsError(`${name}: "${raw.slice(0, 200)}" is not an http(s) URL`);
  }
  return raw;
}
