/** Bounds on what the JUnit reader takes from a workspace that hostile code wrote: one place for each. */
import { MAX_MESSAGE_CHARS } from "../../runs/annotation-limits.js";

/** Report files read per run; the rest of the matches are named as left out. */
export const MAX_REPORT_FILES = 100;
/** A bigger report file is not read. */
export const MAX_REPORT_BYTES = 20 * 1024 * 1024;
/** Report files are read until together they would pass this. */
export const MAX_REPORTS_TOTAL_BYTES = 50 * 1024 * 1024;
/** Directory entries looked at while looking for report files (a `**` over node_modules must end). */
export const MAX_WALK_ENTRIES = 100_000;
/** Problems (unreadable or unparsable files) kept; the rest are counted. */
export const MAX_REPORT_PROBLEMS = 20;
/** Characters of one problem's text. */
export const PROBLEM_CHARS = 300;
/** Characters kept of a test's name, class name and file attribute. */
export const NAME_CHARS = 500;
/** Characters of a failure's text kept while parsing: enough for its first lines and stack frames. */
export const FAILURE_TEXT_CHARS = 8_000;
/** Lines of a failure's text that go into its annotation after the message. */
export const FAILURE_TEXT_LINES = 20;
/** An annotation's title (suite › case) and message. */
export const TITLE_CHARS = 200;
export const MESSAGE_CHARS = MAX_MESSAGE_CHARS;
/** A failure's message as the run's record keeps it for the summary (its annotation keeps MESSAGE_CHARS). */
export const FAILURE_SUMMARY_CHARS = 1_000;
