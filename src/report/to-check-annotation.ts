import { toPlainText } from "../runs/plain-text.js";
import type { Annotation, AnnotationLevel } from "../runs/run-types.js";
import { TITLE_LIMIT, type CheckAnnotation } from "./check-run-output.js";
import { truncateBytes, truncateChars } from "./markdown.js";

/** An annotation's message is kept to this many bytes of UTF-8 (GitHub allows 64 KB: a wall of text helps no one). */
export const ANNOTATION_MESSAGE_BYTES = 4096;
/** Longer paths are no file of a checkout (Linux's PATH_MAX). */
const PATH_CHARS = 4096;
// GitHub's integers are 32-bit; a line or column beyond is no place in a file
const MAX_POSITION = 2 ** 31 - 1;
const LEVELS: ReadonlySet<string> = new Set<AnnotationLevel>(["failure", "warning", "notice"]);
const CUT = "…";

/**
 * The annotation as GitHub's check-run API takes it, or null when GitHub cannot show it on a file of the commit
 * (no path or line, a file outside the repository): the summary lists those instead. Texts are untrusted and
 * bounded here; GitHub shows an annotation's title and message as plain text.
 */
export function toCheckAnnotation(annotation: Annotation): CheckAnnotation | null {
  const path = annotation.path;
  if (annotation.inRepository === false || !isRepositoryPath(path)) return null;
  const startLine = position(annotation.line);
  if (startLine === null) return null;
  const endLine = Math.max(startLine, position(annotation.endLine) ?? startLine);
  const checkAnnotation: CheckAnnotation = {
    path,
    start_line: startLine,
    end_line: endLine,
    annotation_level: levelOf(annotation),
    message: messageOf(annotation),
  };
  // GitHub takes columns on single-line annotations only
  const startColumn = position(annotation.column);
  if (startLine === endLine && startColumn !== null) {
    checkAnnotation.start_column = startColumn;
    checkAnnotation.end_column = Math.max(startColumn, position(annotation.endColumn) ?? startColumn);
  }
  const title = annotation.title === undefined ? "" : plainTitle(annotation.title);
  if (title !== "") checkAnnotation.title = title;
  return checkAnnotation;
}

/** The level GitHub shows; anything unknown (a record from elsewhere) counts as a failure, as an absent level does. */
export function levelOf(annotation: Annotation): AnnotationLevel {
  return annotation.level !== undefined && LEVELS.has(annotation.level) ? annotation.level : "failure";
}

/** The message within ANNOTATION_MESSAGE_BYTES, as plain text (no escape sequences or control characters); GitHub refuses an empty one. */
export function messageOf(annotation: Annotation): string {
  // the worker bounds messages already; a record from elsewhere is not walked whole
  const message = toPlainText(annotation.message.slice(0, 4 * ANNOTATION_MESSAGE_BYTES).replace(/\r\n/g, "\n")).replace(/[\u0080-\u009f]/g, "").trimEnd();
  const text = message.trim() === "" ? (annotation.title?.trim() || "(no message)") : message;
  const bounded = truncateBytes(text, ANNOTATION_MESSAGE_BYTES);
  return bounded.length === text.length ? text : truncateBytes(text, ANNOTATION_MESSAGE_BYTES - CUT.length * 3) + CUT;
}

function plainTitle(title: string): string {
  return truncateChars(title.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, " ").trim(), TITLE_LIMIT, CUT);
}

// A path GitHub can look up in the commit: relative, inside the repository, of a sane length.
function isRepositoryPath(path: string): boolean {
  if (path === "" || path.length > PATH_CHARS || path.startsWith("/") || /[\u0000-\u001f]/.test(path)) return false;
  return !path.split("/").some((segment) => segment === ".." || segment === "");
}

function position(value: number | undefined): number | null {
  return value !== undefined && Number.isInteger(value) && value >= 1 && value <= MAX_POSITION ? value : null;
}
