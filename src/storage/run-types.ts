import type { PlannedPipeline } from "../planning/plan-types.js";

/** How a pipeline or step ended; the same words GitHub uses for a check run's conclusion. */
export type Conclusion = "success" | "failure" | "timed_out" | "cancelled" | "skipped";
export type RunState = "waiting" | "queued" | "running" | "completed";

export interface CommitInfo {
  id: string;
  author: string;
  message: string;
}

/** Everything a worker needs to know about the push, copied out of the payload once. */
export interface PushContext {
  installationId: number;
  owner: string;
  repo: string;
  ref: string;
  before: string;
  sha: string;
  pusher: string;
  headCommit: CommitInfo | null;
  commits: CommitInfo[];
  totalCommits: number;
}

export interface StepRecord {
  name: string;
  conclusion: Conclusion;
  exitCode: number | null;
  /** `null` when the step never started. */
  durationMs: number | null;
}

export interface Annotation {
  path: string;
  line: number;
  column: number;
  message: string;
}

export interface RunResult {
  conclusion: Conclusion;
  reason?: string;
  /** Places in the repository's files the result points at (e.g. a config error). */
  annotations?: Annotation[];
  steps: StepRecord[];
  /** Index into `steps` of the step that ended the pipeline. */
  failedStep?: number;
  durationMs: number | null;
}

/** One pipeline of one push: the unit that is queued, run and reported as one check run. */
export interface RunRecord {
  id: string;
  deliveryId: string;
  pipeline: PlannedPipeline;
  push: PushContext;
  state: RunState;
  checkRunId: number | null;
  result: RunResult | null;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
}
