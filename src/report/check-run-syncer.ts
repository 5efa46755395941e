import { RequestError } from "@octokit/request-error";
import type { Logger } from "probot";
import { readLogTail } from "./read-log-tail.js";
import { describeGitHubError } from "../github/describe-github-error.js";
import type { GitHubApp, InstallationOctokit } from "../github/github-app.js";
import { WorkLoop } from "../backend/loop/work-loop.js";
import { checkRunState, type CheckRunState } from "./check-run-body.js";
import { findCheckRun } from "./find-check-run.js";
import { syncCheckRun } from "./sync-check-run.js";
import { ANNOTATIONS_PER_REQUEST, OUTPUT_LIMIT, type CheckAnnotation } from "./check-run-output.js";
import { appendAnnotations } from "./append-annotations.js";
import { sortAnnotations } from "./sort-annotations.js";
import type { RunRecord } from "../runs/run-types.js";
import type { Store } from "../backend/storage/store.js";
import { logPath } from "../runs/log-path.js";

const BATCH = 16;
/** A running build's progress reaches GitHub at most this often, however chatty it is. */
export const PROGRESS_INTERVAL_MS = 10_000;
const RETRY_DELAYS_MS = [1_000, 5_000, 15_000, 60_000, 5 * 60_000];

export interface SyncerDeps {
  store: Store;
  github: GitHubApp;
  log: Logger;
  dataDir: string;
  publicUrl: string | null;
  /** This process (currentNodeId), the owner of the report leases it takes. */
  nodeId: string;
}

/**
 * Brings check runs on GitHub to the state of their records. Builds never wait for it: they change the record
 * and wake the syncer, which sends only the newest state of each run, coalesces progress, and retries until
 * GitHub has the final state, across restarts, since what is unsent is read from the store.
 */
export function createCheckRunSyncer(deps: SyncerDeps): WorkLoop<RunRecord> {
  const owner = deps.nodeId;
  const failures = new Map<string, number>();
  return new WorkLoop<RunRecord>({
    name: "check-run syncer",
    batch: BATCH,
    claim: (free, leaseMs) => deps.store.claimUnsynced(owner, Date.now(), free, leaseMs),
    renew: (ids, leaseMs) => deps.store.renewSyncLeases(owner, ids, Date.now(), leaseMs),
    key: (run) => run.id,
    // writes of an installation are throttled in the order asked: a new push's check runs go before progress
    order: (runs) => runs.sort((a, b) => Number(a.checkRunId !== null) - Number(b.checkRunId !== null)),
    handle: (run) => sync(deps, failures, run),
    log: deps.log,
  });
}

async function sync(deps: SyncerDeps, failures: Map<string, number>, claimed: RunRecord): Promise<void> {
  let run = claimed;
  try {
    const logTail = run.state === "completed" ? await logTailOf(run, deps.dataDir) : "";
    const octokit = await deps.github.octokit(run.push.installationId);
    run = await guardCreate(deps.store, octokit, run);
    const checkRunId = await sendState(deps, octokit, run, checkRunState(run, { logTail }));
    failures.delete(run.id);
    // a run that starts must show so at once; only its progress while running is held back and coalesced
    const notBefore = run.state === "running" ? Date.now() + PROGRESS_INTERVAL_MS : 0;
    await deps.store.markSynced(run.id, run.version, { checkRunId, notBefore });
  } catch (error) {
    const count = failures.get(run.id) ?? 0;
    if (isPermanent(error)) {
      // GitHub will refuse this state however often it is sent: give it up rather than retry forever
      deps.log.error({ err: error, run: run.id }, `GitHub refused the check run update; giving it up: ${describeGitHubError(error)}`);
      failures.delete(run.id);
      await deps.store.markSynced(run.id, run.version, { notBefore: Date.now() });
      return;
    }
    failures.set(run.id, count + 1);
    const delay = RETRY_DELAYS_MS[Math.min(count, RETRY_DELAYS_MS.length - 1)]!;
    deps.log.warn({ run: run.id, attempt: count + 1, status: (error as RequestError).status }, `check run not updated, retrying in ${delay / 1000}s: ${describeGitHubError(error)}`);
    await deps.store.syncFailed(run.id, Date.now() + delay);
  }
}

/**
 * A create may have reached GitHub just before a crash: before creating again, look for it. The first create
 * of a run is marked in the store before it is sent, so the look-up costs nothing in the common case.
 */
async function guardCreate(store: Store, octokit: InstallationOctokit, run: RunRecord): Promise<RunRecord> {
  if (run.checkRunId !== null) return run;
  if (run.createRequestedAt === null) {
    await store.updateRun(run.id, [], { createRequestedAt: Date.now() }, { report: false });
    return run;
  }
  const existing = await findCheckRun(octokit, run);
  return existing === null ? run : { ...run, checkRunId: existing };
}

/**
 * Sends `state`; a completed one with the annotations the check run lacks, 50 a request: the first batch with
 * the state, the others in updates of their own (GitHub appends them). Each batch GitHub took is recorded before
 * the next is sent, so a failed request or a restart resumes after it; only a batch in flight when the process
 * dies, taken by GitHub but not yet recorded, is sent twice. Returns the check run's id.
 */
async function sendState(deps: SyncerDeps, octokit: InstallationOctokit, run: RunRecord, state: CheckRunState): Promise<number> {
  const output = state.status === "completed" ? state.output : undefined;
  const batches = output ? batchesOf(unsentAnnotations(run)) : [];
  const first = batches[0];
  const checkRunId = await syncCheckRun(octokit, run, first && output ? { ...state, output: { ...output, annotations: first } } : state, {
    detailsUrl: deps.publicUrl ? `${deps.publicUrl}/runs/${run.id}` : null,
  });
  let sent = run.annotationsSent;
  for (const [index, batch] of batches.entries()) {
    if (index > 0) await appendAnnotations(octokit, run, checkRunId, output!, batch);
    sent += batch.length;
    // with the check run's id: after a create, a restart must not look for (or make) another
    await deps.store.updateRun(run.id, [], { checkRunId, annotationsSent: sent }, { report: false });
  }
  return checkRunId;
}

/** The annotations GitHub shows on files that the run's check run does not have yet, in the order they are sent. */
function unsentAnnotations(run: RunRecord): CheckAnnotation[] {
  const result = run.result;
  if (!result?.annotations?.length) return [];
  return sortAnnotations(result.annotations, result.omittedAnnotations).onFiles.slice(run.annotationsSent);
}

function batchesOf(annotations: CheckAnnotation[]): CheckAnnotation[][] {
  const batches: CheckAnnotation[][] = [];
  for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) batches.push(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  return batches;
}

/** The tail the worker kept with the result (its log file may be on another host); runs that never ran have none. */
async function logTailOf(run: RunRecord, dataDir: string): Promise<string> {
  if (run.result?.logTail !== undefined) return run.result.logTail;
  return (await readLogTail(logPath(dataDir, run.id, Math.max(1, run.attempt)), { maxBytes: OUTPUT_LIMIT })).text;
}

function isPermanent(error: unknown): boolean {
  return error instanceof RequestError && error.status >= 400 && error.status < 500 && ![401, 403, 408, 409, 429].includes(error.status);
}
