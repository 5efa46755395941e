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
  /**
   * GitHub's id of the repository: what a viewer's sign-in is remembered for (names change, ids do not). Records
   * written before it was kept lack it (and `private`): the run page treats those as private.
   */
  repositoryId: number;
  /** A private (or internal) repository: its runs' pages ask a viewer to sign in; a public one's are open to all. */
  private: boolean;
  owner: string;
  repo: string;
  /** The repository's default branch at push time (no `refs/heads/`): whose caches every branch may read. Absent in older records. */
  defaultBranch?: string;
  ref: string;
  before: string;
  sha: string;
  pusher: string;
  headCommit: CommitInfo | null;
  commits: CommitInfo[];
  totalCommits: number;
  /** Files the push changed, for planning again on a re-run; null when the push did not say. */
  changedFiles: string[] | null;
}

export interface StepRecord {
  name: string;
  conclusion: Conclusion;
  exitCode: number | null;
  /** `null` when the step never started. */
  durationMs: number | null;
  /** Markdown the step wrote to $GANTRY_STEP_SUMMARY (masked, at most STEP_SUMMARY_BYTES); absent when it wrote none. */
  summary?: string;
  /** Bytes of the step's summary that were left out (it wrote more than STEP_SUMMARY_BYTES). */
  summaryCutBytes?: number;
}

export type AnnotationLevel = "failure" | "warning" | "notice";

/**
 * A place in the repository's files that a run points at: a config error, a problem a step's output names
 * (problem matchers, `::error file=…` commands) or a failed test of a JUnit report. Every text in it is
 * untrusted and already bounded in length.
 */
export interface Annotation {
  /** Relative to the repository root; "" when the source named no file. */
  path: string;
  /** 1-based; 0 when the source named no line. */
  line: number;
  endLine?: number;
  column?: number;
  endColumn?: number;
  /** Absent: failure. */
  level?: AnnotationLevel;
  title?: string;
  message: string;
  /** false: the file is not in the pushed commit, so GitHub cannot show it; the summary lists it instead. Absent: true. */
  inRepository?: boolean;
  /** What found it: "config", "command" (a workflow command), "junit", a built-in matcher's name or a custom matcher's owner. */
  source?: string;
  /** 1-based line of the attempt's log it was read from, for the run page's links. */
  logLine?: number;
}

/** Failed test cases a TestReport lists; the rest are counted in `omittedFailures`. */
export const MAX_TEST_FAILURES = 50;

/** Counts of a run's JUnit reports, and its failed test cases (at most MAX_TEST_FAILURES, the rest counted). */
export interface TestReport {
  passed: number;
  failed: number;
  skipped: number;
  /** Sum of the test cases' times, in ms; null when the reports give none. */
  timeMs: number | null;
  failures: Array<{ suite: string; name: string; message: string; timeMs: number | null; path?: string; line?: number }>;
  omittedFailures: number;
  /** Report files that matched but could not be read or parsed, with why (bounded). */
  problems: string[];
}

/** One cache of a run: its resolved key, what restoring found, what saving did. Sizes are of the compressed archive. */
export interface CacheReport {
  key: string;
  restore: { match: "hit" | "partial" | "miss"; restoredKey?: string; sizeBytes?: number; durationMs: number };
  /** Absent: not tried (an exact hit, or the pipeline did not succeed). */
  save?: { outcome: "saved" | "skipped" | "failed"; sizeBytes?: number; reason?: string; durationMs: number };
}

export interface RunResult {
  conclusion: Conclusion;
  reason?: string;
  /** Places in the repository's files the result points at (e.g. a config error). */
  annotations?: Annotation[];
  /** Annotations found beyond MAX_ANNOTATIONS (not kept). */
  omittedAnnotations?: number;
  /** What each configured cache did (restore, then save); absent when the pipeline has none or no cache step ran. */
  caches?: CacheReport[];
  /** What the pipeline's JUnit reports say; absent when it names none. */
  tests?: TestReport;
  steps: StepRecord[];
  /** End of the log, kept with the result so any node can report it (the log file stays on the worker's disk). */
  logTail?: string;
  durationMs: number | null;
}

/** One pipeline of one push: the unit that is queued, run and reported as one check run. */
export interface RunRecord {
  id: string;
  /** The delivery (push, re-run request) that created the run; unique together with the pipeline name. */
  deliveryId: string;
  pipeline: PlannedPipeline;
  push: PushContext;
  state: RunState;
  checkRunId: number | null;
  result: RunResult | null;
  createdAt: number;
  startedAt: number | null;
  completedAt: number | null;
  /** How many times a worker started it; a run that dies with its worker twice is failed, not retried. */
  attempt: number;
  /** The worker running it (`host:pid`), while running. */
  nodeId: string | null;
  /** Process group of the step running now, so a successor on the same host can kill what a crash left. */
  pid: number | null;
  /** Set when someone asked to stop it (cancel button, a newer push); the worker acts on it. */
  cancelRequested: string | null;
  /** Steps finished so far, while running: the live part of the check run. */
  progress: StepRecord[];
  /**
   * When a create of the check run was first sent. Set while `checkRunId` is still null, the create may have
   * reached GitHub before the process died: the syncer looks the check run up instead of creating a second.
   */
  createRequestedAt: number | null;
  /** Bumped by every change GitHub should see; the check-run syncer reports the latest version only. */
  version: number;
  /** The version GitHub has seen. */
  syncedVersion: number;
  /**
   * How many of the run's annotations its check run has: GitHub appends each request's annotations (50 at
   * most), so the syncer sends the rest from here, across failures and restarts, and never one twice.
   */
  annotationsSent: number;
  /**
   * Why a queued run does not start yet although a worker has it (too little disk), as its check run says;
   * absent when nothing holds it back. Cleared when a worker takes the run.
   */
  waiting?: string;
}

/** The fields a caller may change in one atomic update; `waiting: null` clears the reason. */
export type RunPatch = Partial<
  Pick<RunRecord, "state" | "result" | "startedAt" | "completedAt" | "attempt" | "nodeId" | "pid" | "cancelRequested" | "progress" | "checkRunId" | "createRequestedAt" | "annotationsSent">
> & { waiting?: string | null };
