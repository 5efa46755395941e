import { describe, expect, it } from "vitest";
import { parseSecretsFile, type SecretsFile } from "../../src/config/parse-secrets-file.js";
import { codeSpan } from "../../src/planning/code-span.js";
import { judgeSecrets } from "../../src/planning/judge-secrets.js";

/** Through the parser, so the scopes are what an operator can actually write. */
function fileOf(text: string): SecretsFile {
  const result = parseSecretsFile(text, "secrets.yml");
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.secrets;
}

const FILE = fileOf(`
environments:
  production:
    repositories: ["acme/web"]
    branches: ["main"]
    tags: ["v*"]
    secrets:
      DEPLOY_TOKEN: "production-token"
      SHARED: "from-production"
  staging:
    repositories: ["acme/*", "!acme/legacy"]
    branches: ["**"]
    secrets:
      STAGING_TOKEN: "staging-token"
repositories:
  "acme/*":
    secrets:
      CODECOV_TOKEN: "codecov-acme"
      SHARED: "from-repository"
  "*/*":
    secrets:
      CODECOV_TOKEN: "codecov-anyone"
      EVERYONE: "for-everyone"
`);

const push = (overrides: Partial<Parameters<typeof judgeSecrets>[1]>) => ({
  repository: "acme/web",
  ref: "refs/heads/main",
  environment: "production" as string | null,
  names: ["DEPLOY_TOKEN"],
  ...overrides,
});

describe("judgeSecrets", () => {
  it("gives an environment's secret to a push to an accepted branch, and to an accepted tag", () => {
    expect(judgeSecrets(FILE, push({}))).toEqual({ ok: true, sources: { DEPLOY_TOKEN: { value: "production-token" } } });
    expect(judgeSecrets(FILE, push({ ref: "refs/tags/v1.2.0" }))).toEqual({ ok: true, sources: { DEPLOY_TOKEN: { value: "production-token" } } });
  });

  it("gives nothing, touching nothing, when no names are asked for", () => {
    expect(judgeSecrets(FILE, push({ names: [], ref: "refs/heads/feature/x" }))).toEqual({ ok: true, sources: {} });
  });

  it("refuses a branch the environment does not accept, naming the secret, the rule and the branch", () => {
    expect(judgeSecrets(FILE, push({ ref: "refs/heads/feature/x" }))).toEqual({
      ok: false,
      reason: "secret `DEPLOY_TOKEN`: environment `production` accepts pushes to `main` and tags `v*`; this push is to `feature/x`",
      reasons: ["secret `DEPLOY_TOKEN`: environment `production` accepts pushes to `main` and tags `v*`; this push is to `feature/x`"],
    });
  });

  it("does not take a tag named main for the branch main, nor a branch named v1 for the tags v*", () => {
    const tagMain = judgeSecrets(FILE, push({ ref: "refs/tags/main" }));
    expect(tagMain.ok ? null : tagMain.reason).toBe("secret `DEPLOY_TOKEN`: environment `production` accepts pushes to `main` and tags `v*`; this push is of tag `main`");
    const branchV1 = judgeSecrets(FILE, push({ ref: "refs/heads/v1" }));
    expect(branchV1.ok ? null : branchV1.reason).toBe("secret `DEPLOY_TOKEN`: environment `production` accepts pushes to `main` and tags `v*`; this push is to `v1`");
  });

  it("gives no environment's secret to a ref that is neither a branch nor a tag", () => {
    const verdict = judgeSecrets(FILE, push({ ref: "refs/pull/7/head" }));
    expect(verdict.ok ? null : verdict.reason).toBe(
      "secret `DEPLOY_TOKEN`: environment `production` accepts pushes to `main` and tags `v*`; this push is to `refs/pull/7/head`, which is neither a branch nor a tag",
    );
  });

  it("refuses a repository outside the environment's globs, and honours an exclusion", () => {
    const other = judgeSecrets(FILE, push({ repository: "acme/api" }));
    expect(other.ok ? null : other.reason).toBe("secret `DEPLOY_TOKEN`: environment `production` is for repositories `acme/web`; this is `acme/api`");
    const legacy = judgeSecrets(FILE, push({ repository: "acme/legacy", environment: "staging", names: ["STAGING_TOKEN"] }));
    expect(legacy.ok ? null : legacy.reason).toBe("secret `STAGING_TOKEN`: environment `staging` is for repositories `acme/*`, `!acme/legacy`; this is `acme/legacy`");
  });

  it("compares repository names case-insensitively, as GitHub does", () => {
    expect(judgeSecrets(FILE, push({ repository: "Acme/Web" }))).toEqual({ ok: true, sources: { DEPLOY_TOKEN: { value: "production-token" } } });
    expect(judgeSecrets(FILE, push({ repository: "ACME/api", environment: null, names: ["CODECOV_TOKEN"] }))).toEqual({
      ok: true,
      sources: { CODECOV_TOKEN: { value: "codecov-acme" } },
    });
  });

  it("refuses a name the file does not have", () => {
    const verdict = judgeSecrets(FILE, push({ names: ["NOPE"] }));
    expect(verdict.ok ? null : verdict.reason).toBe("secret `NOPE`: no secret of that name in the secrets file");
  });

  it("gives a pipeline without an environment only the repository's secrets, saying where the others are", () => {
    expect(judgeSecrets(FILE, push({ environment: null, names: ["CODECOV_TOKEN", "SHARED"] }))).toEqual({
      ok: true,
      sources: { CODECOV_TOKEN: { value: "codecov-acme" }, SHARED: { value: "from-repository" } },
    });
    const verdict = judgeSecrets(FILE, push({ environment: null, repository: "acme/api" }));
    expect(verdict.ok ? null : verdict.reason).toBe(
      "secret `DEPLOY_TOKEN`: not defined for `acme/api` (the secrets file defines it only for environment `production`, which this pipeline does not use)",
    );
    const elsewhere = judgeSecrets(FILE, push({ environment: "staging", repository: "acme/api" }));
    expect(elsewhere.ok ? null : elsewhere.reason).toBe(
      "secret `DEPLOY_TOKEN`: not defined for `acme/api` (the secrets file defines it only for environment `production`, and this pipeline uses `staging`)",
    );
  });

  it("gives an environment's pipeline the repository's secrets too, the environment's winning a name both define", () => {
    expect(judgeSecrets(FILE, push({ names: ["SHARED", "CODECOV_TOKEN", "DEPLOY_TOKEN"] }))).toEqual({
      ok: true,
      sources: { SHARED: { value: "from-production" }, CODECOV_TOKEN: { value: "codecov-acme" }, DEPLOY_TOKEN: { value: "production-token" } },
    });
  });

  it("never swaps a refused environment secret for the repository's of the same name", () => {
    const verdict = judgeSecrets(FILE, push({ ref: "refs/heads/feature/x", names: ["SHARED"] }));
    expect(verdict.ok).toBe(false);
  });

  it("takes the first repository scope in file order that defines the name", () => {
    expect(judgeSecrets(FILE, push({ environment: null, names: ["CODECOV_TOKEN", "EVERYONE"] }))).toEqual({
      ok: true,
      sources: { CODECOV_TOKEN: { value: "codecov-acme" }, EVERYONE: { value: "for-everyone" } },
    });
    expect(judgeSecrets(FILE, push({ repository: "zeta/x", environment: null, names: ["CODECOV_TOKEN"] }))).toEqual({
      ok: true,
      sources: { CODECOV_TOKEN: { value: "codecov-anyone" } },
    });
  });

  it("lists every refused secret, one per line", () => {
    const verdict = judgeSecrets(FILE, push({ ref: "refs/heads/dev", names: ["DEPLOY_TOKEN", "CODECOV_TOKEN", "NOPE"] }));
    expect(verdict.ok ? null : verdict.reasons).toEqual([
      "secret `DEPLOY_TOKEN`: environment `production` accepts pushes to `main` and tags `v*`; this push is to `dev`",
      "secret `NOPE`: no secret of that name in the secrets file",
    ]);
  });

  it("keeps a branch name with backticks inside its code span", () => {
    const verdict = judgeSecrets(FILE, push({ ref: "refs/heads/x`](https://evil.example)`y" }));
    const reason = verdict.ok ? "" : verdict.reason;
    expect(reason).toBe("secret `DEPLOY_TOKEN`: environment `production` accepts pushes to `main` and tags `v*`; this push is to ``x`](https://evil.example)`y``");
  });
});

describe("codeSpan", () => {
  it("fences with a backtick run longer than any inside, padding text that starts or ends with one", () => {
    expect(codeSpan("main")).toBe("`main`");
    expect(codeSpan("a`b")).toBe("``a`b``");
    expect(codeSpan("a``b`")).toBe("``` a``b` ```");
    expect(codeSpan(" x")).toBe("`  x `");
  });

  it("flattens line breaks and drops control and bidi characters", () => {
    expect(codeSpan("a\n# b\r\nc\u0007\u202ed")).toBe("`a # b cd`");
    expect(codeSpan("")).toBe("` `");
  });
});
