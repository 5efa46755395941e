import { createRequire } from "node:module";
import type { EmitterWebhookEvent } from "@octokit/webhooks";

type CheckRunPayload = EmitterWebhookEvent<"check_run">["payload"];
type CheckSuitePayload = EmitterWebhookEvent<"check_suite.rerequested">["payload"];

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{ name: string; examples: Array<{ action: string }> }>;
const example = <T>(name: string, action: string): T =>
  structuredClone(examples.find((e) => e.name === name)!.examples.find((e) => e.action === action)!) as T;

interface Target {
  owner: string;
  repo: string;
  repoId: number;
  installationId: number;
  sender: string;
}

function retarget<T extends { repository: unknown; installation?: unknown; sender: unknown }>(payload: T, target: Target): T {
  const repository = payload.repository as Record<string, unknown> & { owner: Record<string, unknown> };
  return {
    ...payload,
    repository: { ...repository, id: target.repoId, name: target.repo, full_name: `${target.owner}/${target.repo}`, owner: { ...repository.owner, login: target.owner } },
    installation: { ...(payload.installation as object), id: target.installationId },
    sender: { ...(payload.sender as object), login: target.sender },
  };
}

/** GitHub's example `check_run.requested_action` (a button press), pointed at one of gantry's check runs. */
export function requestedActionPayload(target: Target & { externalId: string; checkRunId: number; sha: string; identifier: string }): CheckRunPayload {
  const payload = retarget(example<CheckRunPayload & { action: "requested_action" }>("check_run", "requested_action"), target);
  return {
    ...payload,
    check_run: { ...payload.check_run, id: target.checkRunId, external_id: target.externalId, head_sha: target.sha },
    requested_action: { identifier: target.identifier },
  };
}

/** GitHub's example `check_run.rerequested` ("Re-run" in the Checks tab). */
export function rerequestedRunPayload(target: Target & { externalId: string; checkRunId: number; sha: string }): CheckRunPayload {
  const payload = retarget(example<CheckRunPayload>("check_run", "rerequested"), target);
  return { ...payload, check_run: { ...payload.check_run, id: target.checkRunId, external_id: target.externalId, head_sha: target.sha } };
}

/** GitHub's example `check_suite.rerequested` ("Re-run all checks"). */
export function rerequestedSuitePayload(target: Target & { sha: string }): CheckSuitePayload {
  const payload = retarget(example<CheckSuitePayload>("check_suite", "rerequested"), target);
  return { ...payload, check_suite: { ...payload.check_suite, head_sha: target.sha } };
}
