import type { Annotation } from "../../runs/run-types.js";
import { createMatcher } from "../execution/masking/create-matcher.js";
import { boundText } from "./bound-text.js";
import { GROUP_FIELDS, LEVELS, type CompiledMatcher, type GroupField, type MatcherSet } from "./compile-matchers.js";
import { parsePositive as positive } from "./parse-positive.js";
import { MAX_CODE_CHARS, MAX_MESSAGE_CHARS, MAX_PATH_CHARS } from "./scanning-limits.js";

/**
 * The plain text (ANSI codes removed, redraws collapsed, bounded) of the line `back` lines before the one being
 * matched (0: that line); null when there is none (before the step's first line, or further back than kept).
 */
export type PreviousLine = (back: number) => string | null;

/** Where triggers occur in some bytes: `starts[i]` is where one of matcher set `sets[i]` begins; in order. */
export interface TriggerHits {
  starts: number[];
  sets: number[];
}

export interface ProblemMatcher {
  /** Some matcher looks at every line (a custom one): a line without triggers is still a candidate. */
  readonly everyLine: boolean;
  /** The triggers in `data` (one pass over a whole chunk is much faster than one per line). */
  findTriggers(data: Buffer): TriggerHits;
  /**
   * Problems found on line `logLine`, whose raw bytes are `raw`: `path` as printed, `source` and `logLine` set.
   * `triggered`: the matcher sets whose triggers the line holds (from findTriggers), in order; null: look in `raw`.
   */
  match(logLine: number, raw: Buffer, plain: PreviousLine, triggered: readonly number[] | null): Annotation[];
  /** A new step starts: no problem spans steps. */
  reset(): void;
}

type Captures = Partial<Record<GroupField, string>>;

/**
 * Runs problem matchers on a log's lines in order. Only candidate lines are matched: lines holding a trigger of a
 * built-in (found over the raw bytes by one Wu–Manber matcher), every line when there is a custom matcher.
 * A matcher of several patterns is matched backwards from the line its last pattern matches, through `plain`:
 * the lines before must match the earlier patterns, in order, which is GitHub's forward reading of consecutive
 * patterns. A looping last pattern continues from the line before when that line was this matcher's loop line.
 */
export function createProblemMatcher(matcherSets: readonly MatcherSet[]): ProblemMatcher {
  // by the trigger's bytes as latin1, which maps each byte to one character
  const triggerSets = new Map<string, number[]>();
  matcherSets.forEach((set, index) => {
    for (const trigger of set.triggers ?? []) {
      const key = Buffer.from(trigger).toString("latin1");
      triggerSets.set(key, [...(triggerSets.get(key) ?? []), index]);
    }
  });
  const triggerMatcher = createMatcher([...triggerSets.keys()].map((key) => Buffer.from(key, "latin1")));
  // by the matcher's needle index: no string made and looked up per hit
  const setsOfNeedle = [...triggerSets.values()];
  const always = matcherSets.flatMap((set, index) => (set.triggers === null ? [index] : []));
  const loops = new Map<CompiledMatcher, { line: number; head: Captures }>();

  const findTriggers = (data: Buffer): TriggerHits => {
    const hits: TriggerHits = { starts: [], sets: [] };
    triggerMatcher(data, data.length, (start, _end, needle) => {
      for (const index of setsOfNeedle[needle]!) {
        hits.starts.push(start);
        hits.sets.push(index);
      }
    });
    return hits;
  };
  const candidates = (triggered: readonly number[]): readonly number[] => {
    if (triggered.length === 0) return always;
    // the usual candidate: one trigger of one built-in, no custom matcher
    if (triggered.length === 1 && always.length === 0) return triggered;
    const found = new Set<number>([...always, ...triggered]);
    return [...found].sort((a, b) => a - b);
  };

  const matchOne = (matcher: CompiledMatcher, logLine: number, plain: PreviousLine): Captures | null => {
    const patterns = matcher.patterns;
    const last = patterns[patterns.length - 1]!;
    const text = plain(0);
    const match = text === null ? null : last.regexp.exec(text);
    if (match === null) return null;
    const captures: Captures = {};
    const loop = last.loop ? loops.get(matcher) : undefined;
    if (loop !== undefined && loop.line === logLine - 1) {
      Object.assign(captures, loop.head);
    } else {
      for (let index = patterns.length - 2; index >= 0; index--) {
        const previous = plain(patterns.length - 1 - index);
        const head = previous === null ? null : patterns[index]!.regexp.exec(previous);
        if (head === null) return null;
        // earlier patterns first: a later pattern's capture wins
        Object.assign(captures, { ...capture(patterns[index]!.groups, head), ...captures });
      }
    }
    if (last.loop) loops.set(matcher, { line: logLine, head: { ...captures } });
    Object.assign(captures, capture(last.groups, match));
    return captures;
  };

  return {
    everyLine: always.length > 0,
    findTriggers,
    match(logLine, raw, plain, triggered) {
      const sets = candidates(triggered ?? findTriggers(raw).sets);
      if (sets.length === 0) return [];
      const found: Annotation[] = [];
      for (const index of sets) {
        for (const matcher of matcherSets[index]!.matchers) {
          const captures = matchOne(matcher, logLine, plain);
          if (captures === null) continue;
          const annotation = toAnnotation(captures, matcher, logLine);
          if (annotation !== null) found.push(annotation);
          break;
        }
      }
      return found;
    },
    reset() {
      loops.clear();
    },
  };
}

function capture(groups: Partial<Record<GroupField, number>>, match: RegExpExecArray): Captures {
  const captures: Captures = {};
  for (const field of GROUP_FIELDS) {
    const group = groups[field];
    const value = group === undefined ? undefined : match[group];
    if (value !== undefined && value !== "") captures[field] = value;
  }
  return captures;
}

function toAnnotation(captures: Captures, matcher: CompiledMatcher, logLine: number): Annotation | null {
  const message = captures.message?.trim();
  if (message === undefined || message === "") return null;
  const line = positive(captures.line);
  const annotation: Annotation = {
    path: boundText(captures.file?.trim() ?? "", MAX_PATH_CHARS),
    line: line ?? 0,
    level: LEVELS[captures.severity?.trim().toLowerCase() ?? ""] ?? matcher.level,
    message: boundText(message, MAX_MESSAGE_CHARS),
    source: matcher.source,
    logLine,
  };
  const endLine = positive(captures.endLine);
  const column = positive(captures.column);
  const endColumn = positive(captures.endColumn);
  if (line !== undefined && endLine !== undefined && endLine >= line) annotation.endLine = endLine;
  if (line !== undefined && column !== undefined) annotation.column = column;
  if (column !== undefined && endColumn !== undefined && endColumn >= column) annotation.endColumn = endColumn;
  if (captures.code !== undefined) annotation.title = boundText(captures.code.trim(), MAX_CODE_CHARS);
  return annotation;
}
