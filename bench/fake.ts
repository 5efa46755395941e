import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createAppKey, signAppJwt } from "../test/fake-github/app-key.js";
import { startFakeGitHub, type FakeGitHub, type HostedRepo } from "../test/fake-github/fake-github.js";
import { OPENAPI_SPEC_PATHS } from "../test/fake-github/openapi-operations.js";
import { ROOT } from "./processes.js";

const run = promisify(execFile);

export const APP_ID = 4242;
export const SECRET = "bench-webhook-secret";

export interface App {
  appId: number;
  privateKey: string;
  secret: string;
  /** The fake GitHub's host: gantry's GHE_HOST. */
  gheHost: string;
}

/** The fake GitHub of the end-to-end tests (test/fake-github), in this process, with a fresh app key. */
export async function startFake(reposRoot: string, options: { latencyMs?: [number, number] } = {}): Promise<{ fake: FakeGitHub; app: App }> {
  // compiled, the fake looks for its OpenAPI descriptions beside its own output: put fresh copies there
  for (const url of OPENAPI_SPEC_PATHS) {
    const spec = fileURLToPath(url);
    mkdirSync(dirname(spec), { recursive: true });
    copyFileSync(join(ROOT, "test", "fixtures", basename(spec)), spec);
  }
  const { privateKey, publicKey } = createAppKey();
  const fake = await startFakeGitHub({ appId: APP_ID, publicKey, reposRoot, ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}) });
  return { fake, app: { appId: APP_ID, privateKey, secret: SECRET, gheHost: fake.host } };
}

export interface Push {
  repo: HostedRepo;
  before: string;
  after: string;
  message: string;
}

/**
 * A repository with `.github/gantry.yml` in its first commit and `count` more commits on top (same tree, one
 * `git commit-tree` each, straight into the bare repository: much faster than commits through a work tree).
 * Returns one push per new commit, oldest first; `main` points at the last one.
 */
export async function repoWithPushes(
  fake: FakeGitHub,
  name: string,
  options: { config: string; count: number; installationId?: number; owner?: string },
): Promise<{ repo: HostedRepo; pushes: Push[] }> {
  const repo = await fake.createRepo(options.owner ?? "bench", name, { installationId: options.installationId ?? 1 });
  const first = await repo.commit({ ".github/gantry.yml": options.config, "README.md": `# ${name}\n` }, "Initial commit");
  await repo.push("refs/heads/main", first);
  if (options.count === 0) return { repo, pushes: [] };
  const script = [
    "set -e",
    `p=${first}`,
    `t=$(git rev-parse "$p^{tree}")`,
    "i=0",
    `while [ $i -lt ${options.count} ]; do i=$((i+1)); p=$(echo "push $i" | git commit-tree "$t" -p "$p"); echo "$p"; done`,
    'git update-ref refs/heads/main "$p"',
  ].join("\n");
  const { stdout } = await run("sh", ["-c", script], { cwd: repo.bareDir, env: { ...repo.env(), GIT_DIR: repo.bareDir } });
  const shas = stdout.trim().split("\n");
  return { repo, pushes: shas.map((after, i) => ({ repo, before: i === 0 ? first : shas[i - 1]!, after, message: `push ${i + 1}` })) };
}

/** An installation token for git over HTTP, obtained as gantry obtains one (app JWT → access token). */
export async function installationToken(fake: FakeGitHub, app: App, installationId: number): Promise<string> {
  const response = await fetch(`${fake.apiUrl}/app/installations/${installationId}/access_tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${signAppJwt(app.privateKey, app.appId)}`, accept: "application/vnd.github+json", "content-type": "application/json" },
    body: "{}",
  });
  if (!response.ok) throw new Error(`access token: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}
