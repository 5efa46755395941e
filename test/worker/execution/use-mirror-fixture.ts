import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { LogFile } from "../../../src/worker/execution/log-file.js";
import { checkout, type CheckoutOptions } from "../../../src/worker/execution/workspace.js";
import { git, gitEnv } from "../../helpers/git-repo.js";
import { createAppKey } from "../../fake-github/app-key.js";
import { startFakeGitHub, type FakeGitHub, type HostedRepo } from "../../fake-github/fake-github.js";

const APP_ID = 4243;
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export interface MirrorFixture {
  /** One fake GitHub for the whole file; `token` is a real installation token it issued. */
  fake: FakeGitHub;
  token: string;
  /** A fresh temporary directory per test, with a run log; the mirrors live in `mirrors`. */
  root: string;
  mirrors: string;
  log: LogFile;
  /** A new repository on the fake, named uniquely within the file. */
  createRepo(): Promise<HostedRepo>;
  /** Commits `files` and pushes the commit to refs/heads/main. */
  pushed(repo: HostedRepo, files: Record<string, string | null>, message: string): Promise<string>;
  /** gantry's checkout of `sha` from `repo`, through the repository's mirror, into the per-test workspaces. */
  checkout(repo: HostedRepo, runId: string, sha: string, extra?: Partial<CheckoutOptions>): ReturnType<typeof checkout>;
  /** git in `cwd` with the test's isolated environment. */
  git(args: string[], cwd: string): Promise<string>;
  /** Every object `dir` holds, loose and packed. */
  objectCount(dir: string): Promise<number>;
}

/**
 * Per file: a fake GitHub and an installation token (how a worker fetches); per test: a temporary directory and a
 * run log, removed after the test.
 */
export function useMirrorFixture(prefix: string): MirrorFixture {
  const key = createAppKey();
  let count = 0;
  const fixture: MirrorFixture = {
    createRepo: () => fixture.fake.createRepo("octo", `${prefix}${++count}`),
    async pushed(repo, files, message) {
      const sha = await repo.commit(files, message);
      await repo.push("refs/heads/main", sha);
      return sha;
    },
    checkout: (repo, runId, sha, extra = {}) =>
      checkout({
        root: join(fixture.root, "workspaces"),
        runId,
        cloneUrl: repo.cloneUrl,
        sha,
        token: fixture.token,
        mirrors: { root: fixture.mirrors, repositoryId: repo.id },
        logFd: fixture.log.fd,
        timeoutMs: 30_000,
        ...extra,
      }),
    git: (args, cwd) => git(args, { cwd, env: gitEnv(fixture.root) }),
    async objectCount(dir) {
      const out = await fixture.git(["count-objects", "-v"], dir);
      const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(out)?.[1]);
      return field("count") + field("in-pack");
    },
  } as MirrorFixture;
  beforeAll(async () => {
    fixture.fake = await startFakeGitHub({ appId: APP_ID, publicKey: key.publicKey });
    const octokit = new ProbotOctokit({ auth: { appId: APP_ID, privateKey: key.privateKey }, baseUrl: fixture.fake.apiUrl, throttle: { enabled: false }, log: silent });
    fixture.token = ((await octokit.auth({ type: "installation", installationId: 1 })) as { token: string }).token;
  });
  afterAll(async () => {
    await fixture.fake?.close();
  });
  beforeEach(async () => {
    fixture.root = await mkdtemp(join(tmpdir(), `gantry-${prefix}-`));
    fixture.mirrors = join(fixture.root, "mirrors");
    fixture.log = new LogFile(join(fixture.root, "logs", "run.log"));
  });
  afterEach(async () => {
    fixture.log.close();
    await rm(fixture.root, { recursive: true, force: true });
  });
  return fixture;
}
