import type { Annotation } from "../../runs/run-types.js";

/** A `::group::` opening or an `::endgroup::`, at its log line. */
export type GroupEvent = { kind: "start"; title: string; line: number } | { kind: "end"; line: number };

/** What the lines completed by one push (or by `end`) held. */
export interface Findings {
  /**
   * Annotations from problem matchers and `::error`/`::warning`/`::notice` commands, in log order, with `logLine`
   * and `source` set; `path` relative to the repository when it was under the workspace (or relative already),
   * else as printed. Not deduplicated, not capped, `inRepository` unset: the scanner decides those.
   */
  annotations: Annotation[];
  groups: GroupEvent[];
  /**
   * Byte ranges of the log (offsets from its start) holding `::add-mask::` values: the scanner overwrites them
   * before any reader may see those bytes. Includes the value in the `::add-mask::` line itself. Unlike the rest,
   * ranges are reported as soon as their bytes arrive, also within the unfinished last line (a line of a GiB
   * would otherwise have to keep every range it holds until it ends).
   */
  redactions: Array<{ offset: number; length: number }>;
  /** Byte offsets of line 1, 1 + LINE_INDEX_EVERY, … that started within these lines. */
  lineStarts: number[];
}

/**
 * Reads one attempt's log as it grows, in order, from byte 0: counts lines, runs the pipeline's problem matchers
 * and the workflow commands over them. Pure: bytes in, findings out; the scanner does the file I/O.
 */
export interface LogProcessor {
  /** The next bytes of the log. Findings are for the lines the bytes completed; an unfinished last line waits. */
  push(bytes: Buffer): Findings;
  /** The log ended: its unfinished last line (if any) counts as a line. */
  end(): Findings;
  /** Lines completed so far. */
  readonly lines: number;
  /** Bytes of the log in completed lines (where the next line starts). */
  readonly completedBytes: number;
  /** Values `::add-mask::` added so far (for masking what else the steps hand back, e.g. step summaries). */
  readonly masks: readonly string[];
  /**
   * The step whose output comes next begins at the next line (gantry wrote its header): commands such as
   * `::stop-commands::` and open groups end with a step. Call after pushing every byte before the header.
   */
  startStep(index: number): void;
}
