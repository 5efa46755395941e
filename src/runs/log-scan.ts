import type { Annotation, Conclusion } from "./run-types.js";

/** The line index holds the byte offset of line 1, 1 + N, 1 + 2N, … (N = this). */
export const LINE_INDEX_EVERY = 1024;
/** A run keeps at most this many annotations; the rest are counted in `omittedAnnotations`. */
export const MAX_ANNOTATIONS = 1_000;
/** A run keeps at most this many `::group::` sections. */
export const MAX_GROUPS = 1_000;

/** One step's part of the log: from the line of its `==> name` header to the line before the next step's. */
export interface StepSpan {
  /** Index in the executed plan (0 = the checkout). */
  index: number;
  name: string;
  /** 1-based line of the step's header, and its byte offset. */
  startLine: number;
  startByte: number;
  /** Last line of the step and the byte after it; null while the step runs. */
  endLine: number | null;
  endByte: number | null;
  conclusion: Conclusion | null;
  durationMs: number | null;
}

/** A `::group::title` … `::endgroup::` section (lines of the command lines themselves). */
export interface GroupSpan {
  title: string;
  startLine: number;
  /** null while open (or never closed: then it ends with its step). */
  endLine: number | null;
}

/**
 * What the worker's scanner has read of one attempt's log so far, published beside it (scanPath). Readers (the
 * run page, the report) show nothing past `bytes`: those bytes are scanned, and `::add-mask::` values in them
 * are already masked in the file.
 */
export interface LogScan {
  runId: string;
  attempt: number;
  /** Bytes of the log scanned; always at a line end, or at the file's end once `complete`. */
  bytes: number;
  /** Lines wholly within `bytes` (a last line without a newline counts once `complete`). */
  lines: number;
  /** The attempt's log is finished: nothing will be appended. */
  complete: boolean;
  steps: StepSpan[];
  groups: GroupSpan[];
  /** As found in the log (workflow commands and problem matchers), deduplicated, at most MAX_ANNOTATIONS. */
  annotations: Annotation[];
  omittedAnnotations: number;
  /** Log line of the first failure-level annotation, for "jump to the first error"; null when there is none. */
  firstErrorLine: number | null;
  /** Wall-clock time of the last rewrite (ms since the epoch). */
  updatedAt: number;
}
