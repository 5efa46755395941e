import { BUILTIN_MATCHERS } from "../../config/builtin-matchers.js";
import { compileLinearRegExp } from "../../config/compile-linear-regexp.js";
import type { MatcherPatternConfig, ProblemMatcherConfig } from "../../config/config-types.js";
import type { PlannedPipeline } from "../../planning/plan-types.js";
import type { AnnotationLevel } from "../../runs/run-types.js";

export type GroupField = "file" | "line" | "column" | "endLine" | "endColumn" | "severity" | "message" | "code";
export const GROUP_FIELDS: readonly GroupField[] = ["file", "line", "column", "endLine", "endColumn", "severity", "message", "code"];

export interface CompiledPattern {
  regexp: RegExp;
  groups: Partial<Record<GroupField, number>>;
  loop: boolean;
}

export interface CompiledMatcher {
  /** The annotations' `source`: the built-in's name or the custom matcher's owner. */
  source: string;
  /** When the severity group captures nothing known. */
  level: AnnotationLevel;
  patterns: CompiledPattern[];
}

/** One built-in (its variants: the first that matches a line wins) or one custom matcher. */
export interface MatcherSet {
  matchers: CompiledMatcher[];
  /** Byte strings one of which every line it matches holds; null: every line is a candidate (custom matchers). */
  triggers: string[] | null;
}

/** The pipeline's problem matchers, ready to run: built-ins first, in their order, then the custom ones. */
export function compileMatchers(config: PlannedPipeline["matchers"]): MatcherSet[] {
  const builtin = config?.builtin ?? true;
  const chosen = BUILTIN_MATCHERS.filter((matcher) => (Array.isArray(builtin) ? builtin.includes(matcher.name) : builtin));
  return [
    ...chosen.map((set) => ({ triggers: set.triggers, matchers: set.matchers.map((matcher) => compileMatcher(matcher, set.name)) })),
    ...(config?.custom ?? []).map((matcher) => ({ triggers: null, matchers: [compileMatcher(matcher, matcher.owner)] })),
  ];
}

function compileMatcher(matcher: ProblemMatcherConfig, source: string): CompiledMatcher {
  return { source, level: LEVELS[matcher.severity ?? "error"]!, patterns: matcher.pattern.map((pattern) => compilePattern(pattern, source)) };
}

function compilePattern(pattern: MatcherPatternConfig, source: string): CompiledPattern {
  const compiled = compileLinearRegExp(pattern.regexp);
  // The config was validated when it was read; a record from an older gantry might still hold something else.
  if (!compiled.ok) throw new Error(`problem matcher ${source}: regexp ${JSON.stringify(pattern.regexp)} ${compiled.reason}`);
  const groups: Partial<Record<GroupField, number>> = {};
  for (const field of GROUP_FIELDS) {
    const group = pattern[field];
    if (group !== undefined && group <= compiled.groups) groups[field] = group;
  }
  return { regexp: compiled.regexp, groups, loop: pattern.loop === true };
}

/** What a severity word means, for the config's `severity` and what a severity group captures (lower-cased). */
export const LEVELS: Readonly<Record<string, AnnotationLevel>> = {
  error: "failure",
  "fatal error": "failure",
  fatal: "failure",
  failure: "failure",
  warning: "warning",
  warn: "warning",
  notice: "notice",
  info: "notice",
  note: "notice",
};
