/** Bounds on what reading a step's output keeps: everything in it is hostile input. */

/** Of a line longer than this, only the first part is kept for commands and matchers (masks see every byte). */
export const MAX_KEPT_LINE_BYTES = 64 * 1024;
/** Problem matchers' regexps see at most this many characters of a line (after ANSI codes and redraws). */
export const MAX_MATCHED_LINE_CHARS = 4 * 1024;
export { MAX_MESSAGE_CHARS, MAX_PATH_CHARS, MAX_TITLE_CHARS } from "../../runs/annotation-limits.js";
export const MAX_CODE_CHARS = 100;
/** `::add-mask::` values kept per attempt; a step adding more is only hiding its own output from itself. */
export const MAX_MASKS = 1_000;
