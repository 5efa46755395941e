import type { Annotation, CacheReport, CommitInfo, Conclusion, StepRecord, TestReport } from "../runs/run-types.js";

export type { CommitInfo, Conclusion, TestReport };
export type StepResult = StepRecord;

/** Everything the check-run output is written from; plain data, all strings from the push are untrusted. */
export interface RunReport {
  pipeline: string;
  ref: string;
  sha: string;
  conclusion: Conclusion;
  /** Skip reason, config error text, timeout explanation… */
  reason?: string;
  headCommit: CommitInfo | null;
  /** Pushed commits, oldest first, as in the payload. */
  commits: CommitInfo[];
  /** Set when the push had more commits than `commits` lists. */
  totalCommits?: number;
  steps: StepResult[];
  /** Last lines of the failing step's output. */
  failingStep?: { name: string; tail: string };
  /** What the pipeline's JUnit reports say; absent when it names none. */
  tests?: TestReport;
  /** What each dependency cache did; absent when the pipeline has none. */
  caches?: CacheReport[];
  /** Tail of the whole log, already bounded by the caller. */
  logTail: string;
  durationMs: number | null;
  /** The run's annotations as recorded (untrusted; deduplicated, ordered and capped when reported). */
  annotations?: Annotation[];
  /** Annotations the worker found beyond MAX_ANNOTATIONS and did not keep. */
  omittedAnnotations?: number;
}
