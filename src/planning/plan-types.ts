import type { MatchersConfig } from "../config/config-types.js";

/** What planning needs to know about a push: plain data, extracted from the webhook payload or from a local checkout. */
export interface PushFacts {
  /** Full ref, e.g. `refs/heads/main` or `refs/tags/v1.0.0`. */
  ref: string;
  /** The push deleted the ref. */
  deleted: boolean;
  /** Full message of the head commit ("" when unknown). */
  headCommitMessage: string;
  /** Files added, modified or removed by the pushed commits; `null` when the push does not say (then path filters match). */
  changedFiles: string[] | null;
}

export interface PlannedStep {
  name: string;
  run: string;
  /** Per-step limit, already capped by the pipeline's. */
  timeoutMs: number;
}

/** One cache of a pipeline, as configured: restored before the first step, saved after the last when the exact key was missing. */
export interface PlannedCache {
  /** Template: literal text and `{{ hashFiles "glob" … }}`, `{{ os }}`, `{{ arch }}`; resolved after the checkout. */
  key: string;
  /** Templates of key prefixes tried in order when the exact key is missing. */
  restoreKeys: string[];
  /** `~/…` (the step's home) or relative to the checkout; never absolute, never `..`. */
  paths: string[];
}

export interface PlannedPipeline {
  name: string;
  /** `run`: execute the steps; `skip`: create a check run concluded `skipped` with `reason`. */
  action: "run" | "skip";
  /** Why the pipeline is skipped (present when action is `skip`). */
  reason?: string;
  /** Pipelines of the same plan that must succeed first. */
  needs: string[];
  /** A newer push to the same ref cancels this pipeline's older runs. */
  cancelSuperseded: boolean;
  /** Deployment target: never overlapping, never an older commit after a newer one. */
  environment: string | null;
  /** At most one run of this group at a time across the installation. */
  concurrency: string | null;
  timeoutMs: number;
  env: Record<string, string>;
  /** `none`: the steps get no network. Absent (as in runs recorded before it existed): the host's. */
  network?: "host" | "none";
  /**
   * How the commit is checked out: commits of history (`git fetch --depth`), its submodules too when
   * `submodules`, and its LFS files' objects in place of their pointers when `lfs` (absent: not). Absent (also in
   * older runs): the commit only.
   */
  checkout?: { depth: number; submodules?: true; lfs?: true };
  /** Names of operator-held secrets the steps receive, if this push may have them. Absent: none. */
  secrets?: string[];
  /** Globs (relative to the repository root) of the JUnit XML files read after the last step. Absent: none. */
  reports?: { junit: string[] };
  /** Dependency caches. Absent (also in runs recorded before it existed): none. */
  cache?: PlannedCache[];
  /** Problem matchers for the steps' output, as configured. Absent (also in runs recorded before it existed): the built-ins, no custom. */
  matchers?: MatchersConfig;
  steps: PlannedStep[];
}

export interface Plan {
  /** Only pipelines whose branch/tag filters match; the rest get no check run at all. */
  pipelines: PlannedPipeline[];
}
