import { describe, expect, it } from "vitest";
import { buildStepEnv } from "../../../src/worker/execution/step-env.js";
import type { PushContext } from "../../../src/runs/run-types.js";

const push: PushContext = {
  installationId: 7,
  repositoryId: 1000,
  private: true,
  owner: "octo",
  repo: "app",
  ref: "refs/heads/feat/$(touch pwned)",
  before: "0".repeat(40),
  sha: "a".repeat(40),
  pusher: "mona",
  headCommit: { id: "a".repeat(40), author: 'Eve "; rm -rf /', message: "$(touch pwned)\n\nbody `id`" },
  commits: [],
  totalCommits: 1,
  changedFiles: null,
};

const serverEnv = {
  PATH: "/usr/bin:/bin",
  HOME: "/home/gantry",
  LANG: "C.UTF-8",
  APP_ID: "123",
  PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----",
  PRIVATE_KEY_PATH: "/secrets/key.pem",
  WEBHOOK_SECRET: "shh",
  REDIS_URL: "redis://127.0.0.1:6379",
  DATABASE_URL: "postgres://x",
  GANTRY_DATA_DIR: "/var/lib/gantry",
  GANTRY_PASS_ENV: "HTTP_PROXY,WEBHOOK_SECRET,GANTRY_DATA_DIR",
  HTTP_PROXY: "http://proxy:3128",
  AWS_SECRET_ACCESS_KEY: "aws",
};

function build(passEnv: string[] = []) {
  return buildStepEnv({ serverEnv, passEnv, push, pipeline: { name: "build", env: { NODE_ENV: "test" } }, runId: "run-1", workspace: "/w/run-1" });
}

describe("buildStepEnv", () => {
  it("holds exactly the allowlist, the pipeline's env and gantry's variables", () => {
    expect(build()).toEqual({
      PATH: "/usr/bin:/bin",
      HOME: "/home/gantry",
      LANG: "C.UTF-8",
      NODE_ENV: "test",
      CI: "true",
      GANTRY: "true",
      GANTRY_SHA: "a".repeat(40),
      GANTRY_REF: "refs/heads/feat/$(touch pwned)",
      GANTRY_BRANCH: "feat/$(touch pwned)",
      GANTRY_REPOSITORY: "octo/app",
      GANTRY_COMMIT_MESSAGE: "$(touch pwned)\n\nbody `id`",
      GANTRY_COMMIT_AUTHOR: 'Eve "; rm -rf /',
      GANTRY_PUSHER: "mona",
      GANTRY_PIPELINE: "build",
      GANTRY_RUN_ID: "run-1",
      GANTRY_WORKSPACE: "/w/run-1",
    });
  });

  it("passes listed variables but never the app's secrets or settings, even when listed", () => {
    const env = build(["HTTP_PROXY", "WEBHOOK_SECRET", "GANTRY_DATA_DIR", "PRIVATE_KEY", "REDIS_URL", "APP_ID"]);
    expect(env["HTTP_PROXY"]).toBe("http://proxy:3128");
    for (const name of ["WEBHOOK_SECRET", "GANTRY_DATA_DIR", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "REDIS_URL", "DATABASE_URL", "APP_ID", "AWS_SECRET_ACCESS_KEY"]) {
      expect(env).not.toHaveProperty(name);
    }
    expect(Object.values(env).join("\n")).not.toMatch(/shh|BEGIN RSA|redis:\/\/|postgres:/);
  });

  it("sets GANTRY_TAG and no GANTRY_BRANCH for a tag", () => {
    const env = buildStepEnv({ serverEnv, passEnv: [], push: { ...push, ref: "refs/tags/v1.2.3" }, pipeline: { name: "release", env: {} }, runId: "r", workspace: "/w" });
    expect(env["GANTRY_TAG"]).toBe("v1.2.3");
    expect(env).not.toHaveProperty("GANTRY_BRANCH");
  });

  it("does not let the pipeline's env override gantry's variables", () => {
    const env = buildStepEnv({ serverEnv, passEnv: [], push, pipeline: { name: "build", env: { CI: "false", PATH: "/opt/bin" } }, runId: "r", workspace: "/w" });
    expect(env["CI"]).toBe("true");
    expect(env["PATH"]).toBe("/opt/bin");
  });
});
