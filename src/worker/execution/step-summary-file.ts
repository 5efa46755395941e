import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { OUTPUT_LIMIT } from "../../report/check-run-output.js";

/** A run's steps' summary files live in `<workspaces root>/<run id>` + this: beside the workspace, not in it. */
export const SUMMARIES_SUFFIX = ".summaries";

/** A step's summary is kept up to what a check run's summary can hold at all. */
export const STEP_SUMMARY_BYTES = OUTPUT_LIMIT;

export interface StepSummaryFile {
  /** Given to the step as $GANTRY_STEP_SUMMARY. */
  path: string;
  /** What the step wrote, up to STEP_SUMMARY_BYTES (cut at a character boundary), and how many bytes were left out. */
  read(): { text: string; cutBytes: number };
  close(): void;
}

/**
 * An empty file in `dir` for step `index` to write Markdown to, like $GITHUB_STEP_SUMMARY. gantry reads it back
 * through the descriptor it created it with: a step that replaces the file (a symlink or hard link to a host file
 * it may not read, without a sandbox) only changes what its path names, never what gantry reads.
 */
export function createStepSummaryFile(dir: string, index: number): StepSummaryFile {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `step-${index}.md`);
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  return {
    path,
    read() {
      const size = fstatSync(fd).size;
      const buffer = Buffer.alloc(Math.min(size, STEP_SUMMARY_BYTES));
      const read = readSync(fd, buffer, 0, buffer.length, 0);
      const text = buffer.subarray(0, read).toString("utf8").replace(/\uFFFD+$/, "");
      return { text, cutBytes: Math.max(0, size - Buffer.byteLength(text)) };
    },
    close: () => closeSync(fd),
  };
}
