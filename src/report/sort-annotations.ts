import { MAX_ANNOTATIONS } from "../runs/log-scan.js";
import type { Annotation, AnnotationLevel } from "../runs/run-types.js";
import type { CheckAnnotation } from "./check-run-output.js";
import { levelOf, messageOf, toCheckAnnotation } from "./to-check-annotation.js";

/** A run's annotations as the report shows them. */
export interface SortedAnnotations {
  /** What GitHub shows on the files: failures first, then warnings, then notices, in log order within a level. */
  onFiles: CheckAnnotation[];
  /** The ones GitHub cannot show on a file of the commit, in the same order, for the summary to list. */
  elsewhere: Annotation[];
  /** Of onFiles and elsewhere together. */
  counts: Record<AnnotationLevel, number>;
  /** Found but left out over MAX_ANNOTATIONS: by the worker (`omittedAnnotations`) and here. */
  omitted: number;
}

const ORDER: readonly AnnotationLevel[] = ["failure", "warning", "notice"];

/**
 * Deduplicates (config errors, step output and test reports may name the same thing; two that differ only past
 * the bounds are the same to GitHub too), orders by level and caps at MAX_ANNOTATIONS, failures kept first.
 */
export function sortAnnotations(annotations: readonly Annotation[], omittedBefore = 0): SortedAnnotations {
  const byLevel = new Map<AnnotationLevel, Array<{ annotation: Annotation; checkAnnotation: CheckAnnotation | null }>>(ORDER.map((level) => [level, []]));
  const seen = new Set<string>();
  for (const annotation of annotations) {
    const checkAnnotation = toCheckAnnotation(annotation);
    const key = checkAnnotation === null ? elsewhereKey(annotation) : `file:${JSON.stringify(checkAnnotation)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    byLevel.get(levelOf(annotation))!.push({ annotation, checkAnnotation });
  }
  const ordered = ORDER.flatMap((level) => byLevel.get(level)!);
  const kept = ordered.slice(0, MAX_ANNOTATIONS);
  const counts: Record<AnnotationLevel, number> = { failure: 0, warning: 0, notice: 0 };
  for (const { annotation } of kept) counts[levelOf(annotation)] += 1;
  return {
    onFiles: kept.flatMap((entry) => (entry.checkAnnotation === null ? [] : [entry.checkAnnotation])),
    elsewhere: kept.flatMap((entry) => (entry.checkAnnotation === null ? [entry.annotation] : [])),
    counts,
    omitted: (Number.isInteger(omittedBefore) && omittedBefore > 0 ? omittedBefore : 0) + (ordered.length - kept.length),
  };
}

function elsewhereKey(annotation: Annotation): string {
  const { path, line, endLine, column, endColumn, title } = annotation;
  return `elsewhere:${JSON.stringify([path, line, endLine, column, endColumn, levelOf(annotation), title, messageOf(annotation)])}`;
}
