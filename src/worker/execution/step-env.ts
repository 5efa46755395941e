import type { PushContext } from "../../runs/run-types.js";
import { parseRef } from "../../planning/parse-ref.js";

/** Server variables a step may see: what a shell needs to find tools and speak the right locale, nothing that authenticates. */
const BASE_ALLOWLIST = ["PATH", "HOME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "TERM", "USER", "SHELL"];

/** Never passed, even if an operator lists them in GANTRY_PASS_ENV: they would hand a build the app's identity. */
const FORBIDDEN = /^(APP_ID|PRIVATE_KEY.*|WEBHOOK_SECRET|WEBHOOK_PROXY_URL|GITHUB_CLIENT_SECRET|REDIS_URL|DATABASE_URL|SENTRY_DSN|GANTRY_.*|GIT_CONFIG_.*|GH_TOKEN|GITHUB_TOKEN)$/;

export interface StepEnvInput {
  serverEnv: NodeJS.ProcessEnv;
  passEnv: readonly string[];
  push: PushContext;
  pipeline: { name: string; env: Record<string, string> };
  runId: string;
  workspace: string;
}

/**
 * The complete environment of a step. Untrusted text (ref names, commit messages, author names) reaches
 * the step only here, as values, so a shell never parses it as code.
 */
export function buildStepEnv(input: StepEnvInput): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...BASE_ALLOWLIST, ...input.passEnv]) {
    const value = input.serverEnv[name];
    if (value !== undefined && !FORBIDDEN.test(name)) env[name] = value;
  }
  Object.assign(env, input.pipeline.env);
  const { push } = input;
  const ref = parseRef(push.ref);
  Object.assign(env, {
    CI: "true",
    GANTRY: "true",
    GANTRY_SHA: push.sha,
    GANTRY_REF: push.ref,
    GANTRY_REPOSITORY: `${push.owner}/${push.repo}`,
    GANTRY_COMMIT_MESSAGE: push.headCommit?.message ?? "",
    GANTRY_COMMIT_AUTHOR: push.headCommit?.author ?? "",
    GANTRY_PUSHER: push.pusher,
    GANTRY_PIPELINE: input.pipeline.name,
    GANTRY_RUN_ID: input.runId,
    GANTRY_WORKSPACE: input.workspace,
  });
  if (ref.kind === "branch") env["GANTRY_BRANCH"] = ref.name;
  if (ref.kind === "tag") env["GANTRY_TAG"] = ref.name;
  return env;
}
