import { createHash } from "node:crypto";
import { MAX_ANNOTATIONS } from "../../runs/log-scan.js";
import type { Annotation } from "../../runs/run-types.js";

/** How many annotations past the cap are told apart (by a hash) so that repeats are not counted twice. */
const OMITTED_KEYS = 100_000;

export interface AnnotationCollector {
  /** Keeps `annotation` unless an identical one came before; past MAX_ANNOTATIONS, counts it instead. */
  add(annotation: Annotation): void;
  /** The kept ones, in the order they came. */
  readonly kept: readonly Annotation[];
  /** Distinct annotations left out (repeats among them told apart for the first OMITTED_KEYS). */
  readonly omitted: number;
  /** Log line of the first failure-level annotation seen, kept or not. */
  readonly firstErrorLine: number | null;
}

/**
 * Deduplicates and caps a run's annotations: two are the same when path, line, column, level, title and message
 * are (a test runner printing one error twice, a matcher and a command naming the same place).
 */
export function collectAnnotations(max = MAX_ANNOTATIONS): AnnotationCollector {
  const kept: Annotation[] = [];
  const keptKeys = new Set<string>();
  const omittedKeys = new Set<string>();
  let omitted = 0;
  let firstErrorLine: number | null = null;
  return {
    add(annotation) {
      const key = JSON.stringify([annotation.path, annotation.line, annotation.column ?? null, annotation.level ?? "failure", annotation.title ?? null, annotation.message]);
      if (keptKeys.has(key)) return;
      if ((annotation.level ?? "failure") === "failure" && firstErrorLine === null && annotation.logLine !== undefined) firstErrorLine = annotation.logLine;
      if (kept.length < max) {
        keptKeys.add(key);
        kept.push(annotation);
        return;
      }
      // past the cap only a digest is kept, and only so many: memory stays bounded whatever a step prints
      const digest = createHash("sha1").update(key).digest("base64");
      if (omittedKeys.has(digest)) return;
      if (omittedKeys.size < OMITTED_KEYS) omittedKeys.add(digest);
      omitted++;
    },
    get kept() {
      return kept;
    },
    get omitted() {
      return omitted;
    },
    get firstErrorLine() {
      return firstErrorLine;
    },
  };
}
