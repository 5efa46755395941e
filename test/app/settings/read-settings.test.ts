import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { readSettings, SettingsError } from "../../../src/app/settings/read-settings.js";

/** The message readSettings refuses `env` with (it must refuse it with a SettingsError). */
function refusal(env: NodeJS.ProcessEnv): string {
  try {
    readSettings(env);
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as Error).message;
  }
  throw new Error(`readSettings accepted ${JSON.stringify(env)}`);
}

const COUNTS = [
  ["GANTRY_CONCURRENCY", "concurrency", availableParallelism(), 1],
  ["PORT", "port", 3000, 1],
  ["GANTRY_SHUTDOWN_GRACE_SECONDS", "shutdownGraceMs", 30_000, 1000],
  ["GANTRY_REDELIVERY_INTERVAL_SECONDS", "redeliveryIntervalMs", 600_000, 1000],
  ["GANTRY_WORKER_LOCK_SECONDS", "workerLockMs", 20_000, 1000],
  ["GANTRY_RETENTION_DAYS", "retentionDays", 30, 1],
  ["GANTRY_MIN_FREE_GB", "minFreeBytes", 2 * 2 ** 30, 2 ** 30],
  ["GANTRY_CACHE_MAX_GB", "cacheMaxBytes", 10 * 2 ** 30, 2 ** 30],
  ["GANTRY_CACHE_REPOSITORY_MAX_GB", "cacheRepositoryMaxBytes", 10 * 2 ** 30, 2 ** 30],
] as const;

describe("readSettings", () => {
  it("caps one repository's caches at the overall cap unless told otherwise", () => {
    expect(readSettings({ GANTRY_CACHE_MAX_GB: "4" })).toMatchObject({ cacheMaxBytes: 4 * 2 ** 30, cacheRepositoryMaxBytes: 4 * 2 ** 30 });
    expect(readSettings({ GANTRY_CACHE_MAX_GB: "4", GANTRY_CACHE_REPOSITORY_MAX_GB: "1" })).toMatchObject({ cacheRepositoryMaxBytes: 2 ** 30 });
    expect(refusal({ GANTRY_CACHE_MAX_GB: "1.5" })).toBe('GANTRY_CACHE_MAX_GB: "1.5" is not a whole number of 0 or more');
  });

  it("has a default for every setting", () => {
    expect(readSettings({})).toMatchObject({
      dataDir: resolve(".gantry"),
      concurrency: availableParallelism(),
      publicUrl: null,
      webhookProxyUrl: null,
      passEnv: [],
      webhookSecret: "development",
      webhookPath: "/api/github/webhooks",
      port: 3000,
      host: "localhost",
      gitBaseUrl: "https://github.com",
      production: false,
      redisUrl: null,
      shutdownGraceMs: 30_000,
      redeliveryIntervalMs: 600_000,
      workerLockMs: 20_000,
      retentionDays: 30,
    });
  });

  it("takes the plain settings as given, paths made absolute", () => {
    const settings = readSettings({
      GANTRY_DATA_DIR: "state",
      WEBHOOK_SECRET: "s3cret",
      WEBHOOK_PATH: "/hooks",
      HOST: "0.0.0.0",
      REDIS_URL: "redis://127.0.0.1:6379/2",
      NODE_ENV: "production",
    });
    expect(settings).toMatchObject({ dataDir: resolve("state"), webhookSecret: "s3cret", webhookPath: "/hooks", host: "0.0.0.0", redisUrl: "redis://127.0.0.1:6379/2", production: true });
  });

  it.each(COUNTS)("reads %s as a whole number of 0 or more", (name, key, fallback, unit) => {
    expect(readSettings({ [name]: "" })[key]).toBe(fallback);
    expect(readSettings({ [name]: "7" })[key]).toBe(7 * unit);
    expect(readSettings({ [name]: " 12 " })[key]).toBe(12 * unit);
    for (const raw of ["-1", "1.5", "two", "1e3", "0x10", " "]) {
      expect(refusal({ [name]: raw })).toBe(`${name}: "${raw}" is not a whole number of 0 or more`);
    }
  });

  it("takes 0 where 0 means something: receive only, never redeliver, stop at once, any free port", () => {
    expect(readSettings({ GANTRY_CONCURRENCY: "0", GANTRY_REDELIVERY_INTERVAL_SECONDS: "0", GANTRY_SHUTDOWN_GRACE_SECONDS: "0", PORT: "0" })).toMatchObject({
      concurrency: 0,
      redeliveryIntervalMs: 0,
      shutdownGraceMs: 0,
      port: 0,
    });
    // a worker lock of 0 would hand every running job on at once: one second at least
    expect(readSettings({ GANTRY_WORKER_LOCK_SECONDS: "0" }).workerLockMs).toBe(1_000);
  });

  it("refuses to start in production without WEBHOOK_SECRET, saying why", () => {
    expect(refusal({ NODE_ENV: "production" })).toMatch(/^WEBHOOK_SECRET is not set\. In production gantry refuses to start without it, because Probot would otherwise accept deliveries signed with the public default "development"\./);
    expect(refusal({ NODE_ENV: "production", WEBHOOK_SECRET: "" })).toMatch(/^WEBHOOK_SECRET is not set/);
  });

  it("drops the trailing slashes of GANTRY_PUBLIC_URL", () => {
    expect(readSettings({ GANTRY_PUBLIC_URL: "https://gantry.example.com//" }).publicUrl).toBe("https://gantry.example.com");
  });

  it("takes WEBHOOK_PROXY_URL as an http(s) URL, quoting (at most 200 characters of) anything else", () => {
    expect(readSettings({ WEBHOOK_PROXY_URL: "https://smee.io/abc" }).webhookProxyUrl).toBe("https://smee.io/abc");
    expect(refusal({ WEBHOOK_PROXY_URL: "smee.io/abc" })).toBe('WEBHOOK_PROXY_URL: "smee.io/abc" is not an http(s) URL');
    expect(refusal({ WEBHOOK_PROXY_URL: "ftp://smee.io/abc" })).toBe('WEBHOOK_PROXY_URL: "ftp://smee.io/abc" is not an http(s) URL');
    const long = `x${"y".repeat(5_000)}`;
    expect(refusal({ WEBHOOK_PROXY_URL: long })).toBe(`WEBHOOK_PROXY_URL: "${long.slice(0, 200)}" is not an http(s) URL`);
  });

  it("splits GANTRY_PASS_ENV on commas and spaces", () => {
    expect(readSettings({ GANTRY_PASS_ENV: " NPM_TOKEN, JAVA_HOME\tGOPATH,," }).passEnv).toEqual(["NPM_TOKEN", "JAVA_HOME", "GOPATH"]);
  });

  it("clones from GitHub Enterprise when GHE_HOST is set, over https unless GHE_PROTOCOL says otherwise", () => {
    expect(readSettings({ GHE_HOST: "ghe.example.com" }).gitBaseUrl).toBe("https://ghe.example.com");
    expect(readSettings({ GHE_HOST: "127.0.0.1:8080", GHE_PROTOCOL: "http" }).gitBaseUrl).toBe("http://127.0.0.1:8080");
  });
});

describe("the App's OAuth client", () => {
  it("is GITHUB_CLIENT_ID with GITHUB_CLIENT_SECRET, or none", () => {
    expect(readSettings({ GITHUB_CLIENT_ID: "Iv1.0123", GITHUB_CLIENT_SECRET: "s3cret" }).oauth).toEqual({ clientId: "Iv1.0123", clientSecret: "s3cret" });
    expect(readSettings({}).oauth).toBeNull();
    expect(readSettings({ GITHUB_CLIENT_ID: "", GITHUB_CLIENT_SECRET: " " }).oauth).toBeNull();
  });

  it("is refused half set, naming what is missing", () => {
    expect(refusal({ GITHUB_CLIENT_ID: "Iv1.0123" })).toMatch(/^GITHUB_CLIENT_ID is set but GITHUB_CLIENT_SECRET is not: .*show only the run's state/);
    expect(refusal({ GITHUB_CLIENT_SECRET: "s3cret" })).toMatch(/^GITHUB_CLIENT_SECRET is set but GITHUB_CLIENT_ID is not/);
    // the secret itself is never in the message
    expect(refusal({ GITHUB_CLIENT_SECRET: "s3cret" })).not.toContain("s3cret");
  });
});
