import { createHash } from "node:crypto";
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "ioredis";
import type { CheckRunRecord } from "../fake-github/fake-github.js";
import { rerequestedRunPayload } from "../helpers/check-payloads.js";
import { startPrivateRedis } from "../helpers/redis.js";
import { startStack, type Stack } from "./stack.js";

// Values with characters that URL-encoding and JSON-escaping change, and a multi-line key read from a file.
const DEPLOY_TOKEN = 'dEpl0y/t0ken+value=42&"q"';
const NPM_TOKEN = "npm_tok3n_from_gantrys_env";
const CODECOV_TOKEN = "codecov-0f1e2d3c4b5a";
// as a step gets it: the file's one trailing newline is not part of the value
const SSH_KEY = "-----BEGIN KEY-----\nc2VjcmV0IGtleSBsaW5lIG9uZQ\nc2Vjb25kIHNlY3JldCBsaW5l\n-----END KEY-----";
const VALUES = [DEPLOY_TOKEN, NPM_TOKEN, CODECOV_TOKEN, SSH_KEY];

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
/** A summary as GitHub shows it: the report escapes Markdown in reasons, so a backtick reads as a backtick. */
const shown = (summary: string | null) => (summary ?? "").replace(/\\([\\`*_{}[\]()#+\-.!|<>~])/g, "$1");

/** Every line that decodes (as base64 or base64url) to bytes holding a secret: the masker missed an encoding. */
function decodedLeaks(text: string): string[] {
  const leaks: string[] = [];
  for (const token of text.split(/[^A-Za-z0-9+/=_-]+/)) {
    if (token.length < 8) continue;
    for (const encoding of ["base64", "base64url"] as const) {
      const decoded = Buffer.from(token, encoding).toString("latin1");
      for (const value of VALUES) {
        for (const line of value.split("\n").filter((l) => l.length >= 4)) {
          if (decoded.includes(line)) leaks.push(`${token} (${encoding}) holds ${JSON.stringify(line.slice(0, 4))}…`);
        }
      }
    }
  }
  return leaks;
}

/** The secret in every form the masker must catch, as it could appear in output. */
function visibleForms(text: string): string[] {
  const found: string[] = [];
  for (const value of VALUES) {
    const forms = [value, encodeURIComponent(value), JSON.stringify(value).slice(1, -1), ...value.split("\n").filter((l) => l.length >= 4 && !l.startsWith("-----"))];
    for (const form of forms) if (text.includes(form)) found.push(JSON.stringify(form.slice(0, 6)));
  }
  return [...found, ...decodedLeaks(text)];
}

// Each form printed by a real process: plain, split across two writes a second apart, base64 at every
// alignment inside a longer line (standard and URL-safe), URL-encoded, JSON-escaped, a multi-line file's lines.
const PRINT_EVERY_FORM = [
  'echo "plain=$DEPLOY_TOKEN npm=$NPM_TOKEN codecov=$CODECOV_TOKEN"',
  'printf %s "$DEPLOY_TOKEN" | head -c 9; sleep 1; printf %s "$DEPLOY_TOKEN" | tail -c +10; echo',
  'for p in "" x xy; do printf "%s%s-tail" "$p" "$DEPLOY_TOKEN" | base64 -w0; echo; printf "%s%s" "$p" "$NPM_TOKEN" | base64 -w0 | tr "+/" "-_"; echo; done',
  'node -e "console.log(encodeURIComponent(process.env.DEPLOY_TOKEN)); console.log(JSON.stringify({ k: process.env.SSH_KEY, d: process.env.DEPLOY_TOKEN }))"',
  'printf "%s" "$SSH_KEY"',
  // wrapped at 76 columns, as `base64` does by default
  'printf "%s" "$SSH_KEY" | base64',
  'printf "%s" "$DEPLOY_TOKEN" | sha256sum; printf "%s" "$SSH_KEY" | sha256sum; printf "%s" "$NPM_TOKEN" | sha256sum; printf "%s" "$CODECOV_TOKEN" | sha256sum',
];

function config(pipelines: Record<string, { on?: string; environment?: string; secrets?: string[]; run: string[] }>): string {
  const lines = ["pipelines:"];
  for (const [name, pipeline] of Object.entries(pipelines)) {
    lines.push(`  ${name}:`);
    if (pipeline.on) lines.push(`    on: ${pipeline.on}`);
    if (pipeline.environment) lines.push(`    environment: ${pipeline.environment}`);
    if (pipeline.secrets) lines.push(`    secrets: [${pipeline.secrets.join(", ")}]`);
    lines.push("    steps:", "      - run: |");
    for (const command of pipeline.run) lines.push(`          ${command}`);
  }
  return `${lines.join("\n")}\n`;
}

let stack: Stack;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gantry-secrets-"));
  // readable by anyone on the host, in a directory steps see: only the hide list keeps it from them
  await writeFile(join(dir, "deploy_key"), `${SSH_KEY}\n`, { mode: 0o644 });
  await chmod(join(dir, "deploy_key"), 0o644);
  await writeFile(join(dir, "visible.txt"), "seen-through-the-bind\n", { mode: 0o644 });
  await chmod(dir, 0o755);
  const secretsFile = join(dir, "secrets.yml");
  await writeFile(
    secretsFile,
    [
      "environments:",
      "  production:",
      '    repositories: ["octo/shop*"]',
      '    branches: ["main"]',
      '    tags: ["v*"]',
      "    secrets:",
      `      DEPLOY_TOKEN: ${JSON.stringify(DEPLOY_TOKEN)}`,
      `      SSH_KEY: { file: ${join(dir, "deploy_key")} }`,
      "      NPM_TOKEN: { env: GANTRY_SECRET_NPM }",
      "repositories:",
      '  "octo/*":',
      "    secrets:",
      `      CODECOV_TOKEN: ${JSON.stringify(CODECOV_TOKEN)}`,
      "",
    ].join("\n"),
  );
  await chmod(secretsFile, 0o600);
  stack = await startStack({ GANTRY_SECRETS_FILE: secretsFile, GANTRY_SECRET_NPM: NPM_TOKEN, GANTRY_SANDBOX_BIND: dir, LOG_LEVEL: "debug" });
});
afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

const ALL = ["DEPLOY_TOKEN", "SSH_KEY", "NPM_TOKEN", "CODECOV_TOKEN"];

describe("operator secrets", () => {
  it("gives a pipeline of the environment on an allowed branch what it lists, masked in every form, in every output", async () => {
    const repo = await stack.repo("shop", {
      ".github/gantry.yml": config({
        deploy: { environment: "production", secrets: ALL, run: PRINT_EVERY_FORM },
        // fails after printing: the summary then carries the failing step's output
        broken: { environment: "production", secrets: ["DEPLOY_TOKEN"], run: ['echo "token is $DEPLOY_TOKEN"', "exit 3"] },
        plain: {
          run: ["env | sort", `cat ${dir}/visible.txt`, `cat ${dir}/deploy_key && echo READ-KEY || echo NO-KEY`, `cat ${dir}/secrets.yml && echo READ-FILE || echo NO-FILE`],
        },
      }),
    });
    const { sha } = await stack.push(repo, {});
    const deploy = await stack.completed(repo, sha, "deploy");
    expect(deploy.conclusion, deploy.output.summary ?? "").toBe("success");
    const text = deploy.output.text!;
    // the step had the right values: their hashes went through unmasked
    for (const value of VALUES) expect(text).toContain(sha256(value));
    expect(text).toContain("plain=***");
    expect(visibleForms(text)).toEqual([]);
    const wrapped = Buffer.from(SSH_KEY).toString("base64").match(/.{1,76}/g)!;
    expect(wrapped.length).toBeGreaterThan(1);
    for (const line of wrapped.slice(0, -1)) expect(text).not.toContain(line);

    const broken = await stack.completed(repo, sha, "broken");
    expect(broken.conclusion).toBe("failure");
    expect(broken.output.summary).toContain("token is ***");
    expect(visibleForms(`${broken.output.summary} ${broken.output.text}`)).toEqual([]);

    // a pipeline that lists no secret gets none
    const plain = await stack.completed(repo, sha, "plain");
    expect(plain.conclusion).toBe("success");
    for (const name of ALL) expect(plain.output.text).not.toContain(`${name}=`);
    expect(plain.output.text).not.toContain("***");
    // the secrets file and the files it reads are hidden, even inside a directory steps see
    expect(plain.output.text).toContain("seen-through-the-bind");
    expect(plain.output.text).toContain("NO-KEY");
    expect(plain.output.text).toContain("NO-FILE");
    expect(visibleForms(plain.output.text ?? "")).toEqual([]);

    await expectNowhereElse([deploy, broken]);
  });

  it("gives the environment's secrets to an allowed tag", async () => {
    const repo = await stack.repo("shop-tags", {
      ".github/gantry.yml": config({ release: { on: '{ tags: ["v*"] }', environment: "production", secrets: ["DEPLOY_TOKEN"], run: ['printf "%s" "$DEPLOY_TOKEN" | sha256sum'] } }),
    });
    const sha = (await repo.resolve("refs/heads/main"))!;
    await stack.push(repo, { ref: "refs/tags/v1.2.0", sha });
    const run = await stack.completed(repo, sha, "release");
    expect(run.conclusion, run.output.summary ?? "").toBe("success");
    expect(run.output.text).toContain(sha256(DEPLOY_TOKEN));
  });

  it("refuses, before any step, a branch, a tag, a repository or a name the file does not allow, naming the rule but never the value", async () => {
    const shop = await stack.repo("shop-refusals", {
      ".github/gantry.yml": config({
        deploy: { on: '{ branches: ["**"], tags: ["**"] }', environment: "production", secrets: ["DEPLOY_TOKEN"], run: ["echo STEP-RAN"] },
        unknown: { on: '{ branches: ["**"] }', secrets: ["NOT_DEFINED"], run: ["echo STEP-RAN"] },
        outside: { on: '{ branches: ["**"] }', secrets: ["DEPLOY_TOKEN"], run: ["echo STEP-RAN"] },
      }),
    });
    const feature = await stack.push(shop, { ref: "refs/heads/feature/x" });
    const onFeature = await stack.completed(shop, feature.sha, "deploy");
    expect(onFeature.conclusion).toBe("failure");
    expect(shown(onFeature.output.summary)).toContain("secret `DEPLOY_TOKEN`: environment `production` accepts pushes to `main` and tags `v*`; this push is to `feature/x`");
    const unknown = await stack.completed(shop, feature.sha, "unknown");
    expect(unknown.conclusion).toBe("failure");
    expect(shown(unknown.output.summary)).toContain("`NOT_DEFINED`");
    // a pipeline without the environment gets only the repository's secrets
    const outside = await stack.completed(shop, feature.sha, "outside");
    expect(outside.conclusion).toBe("failure");
    expect(shown(outside.output.summary)).toMatch(/`DEPLOY_TOKEN`.*environment `production`/);

    // a tag named like the allowed branch is not that branch
    const tagMain = await stack.push(shop, { ref: "refs/tags/main" });
    const onTag = await stack.completed(shop, tagMain.sha, "deploy");
    expect(onTag.conclusion).toBe("failure");
    expect(shown(onTag.output.summary)).toMatch(/`DEPLOY_TOKEN`.*tag `main`/);

    // another repository, on the allowed branch
    const other = await stack.repo("blog", {
      ".github/gantry.yml": config({ deploy: { environment: "production", secrets: ["DEPLOY_TOKEN"], run: ["echo STEP-RAN"] } }),
    });
    const pushed = await stack.push(other, {});
    const elsewhere = await stack.completed(other, pushed.sha, "deploy");
    expect(elsewhere.conclusion).toBe("failure");
    expect(shown(elsewhere.output.summary)).toContain("`octo/blog`");

    for (const run of [onFeature, unknown, outside, onTag, elsewhere]) {
      expect(`${run.output.summary} ${run.output.text}`).not.toContain("STEP-RAN");
      expect(visibleForms(JSON.stringify(run.output))).toEqual([]);
    }
  });
});

describe("operator secrets on a re-run", () => {
  it("judges the re-run by the secrets file as it is then, and uses the edited value", async () => {
    const secretsFile = join(dir, "secrets.yml");
    const before = await readFile(secretsFile, "utf8");
    const repo = await stack.repo("shop-rerun", {
      ".github/gantry.yml": config({ deploy: { environment: "production", secrets: ["DEPLOY_TOKEN"], run: ['printf "%s" "$DEPLOY_TOKEN" | sha256sum'] } }),
    });
    stack.fake.permissions.set("octo/shop-rerun:maintainer", "maintain");
    const { sha } = await stack.push(repo, {});
    const first = await stack.completed(repo, sha, "deploy");
    expect(first.conclusion, first.output.summary ?? "").toBe("success");
    expect(first.output.text).toContain(sha256(DEPLOY_TOKEN));
    const target = { owner: repo.owner, repo: repo.name, repoId: repo.id, installationId: repo.installationId, sender: "maintainer" };
    const rerun = async () => {
      const known = new Set(stack.fake.checkRunsFor("octo", "shop-rerun").map((c) => c.id));
      const last = stack.fake.checkRunsFor("octo", "shop-rerun").at(-1)!;
      const press = await stack.deliver(JSON.stringify(rerequestedRunPayload({ ...target, externalId: last.external_id!, checkRunId: last.id, sha })), { event: "check_run" });
      expect(press.status).toBe(202);
      return stack.fake.waitFor(() => stack.fake.checkRunsFor("octo", "shop-rerun").find((c) => !known.has(c.id) && c.status === "completed"));
    };
    try {
      // a new value: the re-run has it, not the one the first run had
      const rotated = "r0tated-deploy-token-value";
      await writeFile(secretsFile, before.replace(JSON.stringify(DEPLOY_TOKEN), JSON.stringify(rotated)));
      const second = await rerun();
      expect(second.conclusion, second.output.summary ?? "").toBe("success");
      expect(second.output.text).toContain(sha256(rotated));
      // the environment no longer accepts main: the re-run is refused before its first step
      await writeFile(secretsFile, before.replace('branches: ["main"]', 'branches: ["release"]'));
      const third = await rerun();
      expect(third.conclusion).toBe("failure");
      expect(shown(third.output.summary)).toContain("environment `production` accepts pushes to `release` and tags `v*`; this push is to `main`");
      expect(third.output.text ?? "").not.toMatch(/[0-9a-f]{64}/);
    } finally {
      await writeFile(secretsFile, before);
    }
  });
});

/** Not in gantry's own log lines, not in its store, not in any run log on disk. */
async function expectNowhereElse(runs: CheckRunRecord[]): Promise<void> {
  expect(runs.length).toBeGreaterThan(0);
  expect(visibleForms(stack.app.output())).toEqual([]);
  const files: string[] = [];
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  await walk(stack.app.dataDir);
  expect(files.some((f) => f.endsWith(".log"))).toBe(true);
  for (const file of files) {
    const bytes = await readFile(file, "latin1");
    expect(visibleForms(bytes), file).toEqual([]);
  }
}

describe("operator secrets with many nodes", () => {
  it("keeps every value out of Redis: records, job payloads and queue streams", async () => {
    const redisServer = await startPrivateRedis();
    const secretsFile = join(dir, "secrets-redis.yml");
    await writeFile(secretsFile, ['repositories:', '  "octo/*":', "    secrets:", `      CODECOV_TOKEN: ${JSON.stringify(CODECOV_TOKEN)}`, ""].join("\n"), { mode: 0o600 });
    const redisStack = await startStack({ REDIS_URL: redisServer.url, GANTRY_SECRETS_FILE: secretsFile });
    const redis = new Redis(redisServer.url);
    try {
      const repo = await redisStack.repo("shop", {
        ".github/gantry.yml": config({ upload: { secrets: ["CODECOV_TOKEN"], run: ['echo "uploading with $CODECOV_TOKEN"', 'printf "%s" "$CODECOV_TOKEN" | sha256sum'] } }),
      });
      const { sha } = await redisStack.push(repo, {});
      const run = await redisStack.completed(repo, sha, "upload");
      expect(run.conclusion, run.output.summary ?? "").toBe("success");
      expect(run.output.text).toContain(sha256(CODECOV_TOKEN));
      expect(run.output.text).toContain("uploading with ***");
      const contents = await everythingIn(redis);
      expect(contents).toContain(sha256(CODECOV_TOKEN)); // the log tail is in the run record: the scan reads it
      expect(contents).not.toContain(CODECOV_TOKEN);
      expect(visibleForms(redisStack.app.output())).toEqual([]);
    } finally {
      redis.disconnect();
      await redisStack.stop();
      await redisServer.stop();
    }
  });
});

/** Every value of every key, whatever its type, as one string. */
async function everythingIn(redis: Redis): Promise<string> {
  const parts: string[] = [];
  for (const key of await redis.keys("*")) {
    const type = await redis.type(key); // "none": gone since KEYS listed it
    if (type === "string") parts.push((await redis.get(key)) ?? "");
    else if (type === "hash") parts.push(JSON.stringify(await redis.hgetall(key)));
    else if (type === "list") parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
    else if (type === "set") parts.push(JSON.stringify(await redis.smembers(key)));
    else if (type === "zset") parts.push(JSON.stringify(await redis.zrange(key, 0, -1)));
    else if (type === "stream") parts.push(JSON.stringify(await redis.xrange(key, "-", "+")));
    else if (type !== "none") throw new Error(`key ${key} has a type the scan does not read: ${type}`);
  }
  return parts.join("\n");
}
