import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseAddress } from "../../../src/app/allowlist/parse-address.js";
import { saveGitHubHooks } from "../../../src/app/allowlist/save-github-hooks.js";
import { GITHUB_HOOKS_FILE, startGitHubAllowlist, type GitHubAllowlist } from "../../../src/app/allowlist/start-github-allowlist.js";
import { SettingsError } from "../../../src/app/settings/read-settings.js";
import { createAppKey } from "../../fake-github/app-key.js";
import { startFakeGitHub, type FakeGitHub } from "../../fake-github/fake-github.js";
import { eventually } from "../../helpers/eventually.js";
import { freePort } from "../../helpers/free-port.js";
import { memoryLog } from "../../helpers/memory-log.js";

let fake: FakeGitHub;
let dataDir: string;
let allowlist: GitHubAllowlist | undefined;
beforeAll(async () => {
  fake = await startFakeGitHub({ appId: 1, publicKey: createAppKey().publicKey });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "gantry-hooks-"));
  fake.hooks = ["192.30.252.0/22", "2a0a:a440::/29"];
  fake.resetRecords();
});
afterEach(async () => {
  await allowlist?.stop();
  allowlist = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

/** An API base on loopback where nothing listens: GitHub unreachable, at once. */
async function unreachableApi(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}/api/v3`;
}

const has = (list: GitHubAllowlist, address: string) => list.current().has(parseAddress(address)!);
const savedFile = () => join(dataDir, GITHUB_HOOKS_FILE);

describe("GANTRY_IP_ALLOWLIST=github", () => {
  it("fetches GitHub's hook ranges from the configured API host at start-up and saves them", async () => {
    const memory = memoryLog();
    allowlist = await startGitHubAllowlist({ apiBaseUrl: fake.apiUrl, dataDir, log: memory.log });
    expect(has(allowlist, "192.30.253.4")).toBe(true);
    expect(has(allowlist, "::ffff:192.30.253.4")).toBe(true);
    expect(has(allowlist, "2a0a:a441::9")).toBe(true);
    expect(has(allowlist, "127.0.0.1")).toBe(false);
    expect(fake.requests.filter((r) => r.operationId === "meta/get").map((r) => r.status)).toEqual([200]);
    const saved = JSON.parse(await readFile(savedFile(), "utf8")) as Record<string, unknown>;
    expect(saved).toMatchObject({ source: `${fake.apiUrl}/meta`, hooks: ["192.30.252.0/22", "2a0a:a440::/29"] });
    expect(await readdir(dataDir)).toEqual([GITHUB_HOOKS_FILE]);
    expect(memory.lines().join("\n")).toContain(`IP allowlist: 2 GitHub webhook ranges from ${fake.apiUrl}/meta`);
  });

  it("takes a changed list at a refresh, and keeps the last good one (with a warning) when a refresh fails", async () => {
    const memory = memoryLog();
    allowlist = await startGitHubAllowlist({ apiBaseUrl: fake.apiUrl, dataDir, log: memory.log, refreshMs: 100 });
    fake.hooks = ["127.0.0.0/8"];
    await eventually("the refreshed list", async () => has(allowlist!, "127.0.0.1"));
    expect(has(allowlist, "192.30.253.4")).toBe(false);
    await eventually("the refreshed list saved", async () => (await readFile(savedFile(), "utf8")).includes("127.0.0.0/8"));

    fake.failNext("GET", /^\/meta$/, 503, 1_000);
    await eventually("a failed refresh", async () => memory.lines().some((l) => l.includes("could not refresh")));
    const warning = JSON.parse(memory.lines().find((l) => l.includes("could not refresh"))!) as { level: number; msg: string };
    expect(warning.level).toBe(40);
    expect(warning.msg).toContain(`GitHub answered 503 to GET ${fake.apiUrl}/meta`);
    expect(warning.msg).toContain("keeping the 1 ranges");
    expect(has(allowlist, "127.0.0.1")).toBe(true);
    expect((await readFile(savedFile(), "utf8"))).toContain("127.0.0.0/8");
    fake.clearFailures();
  });

  it("starts from the saved list when GitHub is unreachable, saying so", async () => {
    const apiBaseUrl = await unreachableApi();
    await saveGitHubHooks(savedFile(), { source: `${apiBaseUrl}/meta`, fetchedAt: "2026-12-01T08:00:00.000Z", hooks: ["10.0.0.0/8"] });
    const memory = memoryLog();
    allowlist = await startGitHubAllowlist({ apiBaseUrl, dataDir, log: memory.log });
    expect(has(allowlist, "10.1.2.3")).toBe(true);
    expect(has(allowlist, "192.30.253.4")).toBe(false);
    const warning = memory.lines().find((l) => l.includes("using the 1 GitHub webhook ranges saved at 2026-12-01T08:00:00.000Z"));
    expect(warning).toContain("ECONNREFUSED");
  });

  it("refuses to start when GitHub is unreachable and nothing was saved, naming the setting, the URL and the cause", async () => {
    const apiBaseUrl = await unreachableApi();
    const start = startGitHubAllowlist({ apiBaseUrl, dataDir, log: memoryLog().log });
    await expect(start).rejects.toBeInstanceOf(SettingsError);
    await expect(start).rejects.toThrow(new RegExp(`^GANTRY_IP_ALLOWLIST=github: .*GET ${apiBaseUrl}/meta failed: ECONNREFUSED.*no earlier start saved them`));
  });

  it("does not take a list saved from another GitHub host", async () => {
    const apiBaseUrl = await unreachableApi();
    await saveGitHubHooks(savedFile(), { source: "https://api.github.com/meta", fetchedAt: "2026-12-01T08:00:00.000Z", hooks: ["10.0.0.0/8"] });
    await expect(startGitHubAllowlist({ apiBaseUrl, dataDir, log: memoryLog().log })).rejects.toThrow("the list there came from https://api.github.com/meta");
  });

  it("refuses a /meta that lists no hooks (GitHub Enterprise Server may not) and a saved file it did not write", async () => {
    fake.hooks = [];
    await writeFile(savedFile(), "{ not json");
    const memory = memoryLog();
    await expect(startGitHubAllowlist({ apiBaseUrl: fake.apiUrl, dataDir, log: memory.log })).rejects.toThrow(
      'lists no webhook addresses (field "hooks"); set GANTRY_IP_ALLOWLIST to their CIDR ranges instead',
    );
    expect(memory.lines().join("\n")).toContain(`IP allowlist: ignoring ${savedFile()}: not a list of webhook ranges saved by gantry`);
  });
});
