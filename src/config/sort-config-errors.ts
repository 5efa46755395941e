import type { ConfigError } from "./config-types.js";

/** One broken bracket can make yaml report hundreds of errors; past this many nobody reads them. */
export const MAX_REPORTED_ERRORS = 50;

/** Errors in file order (stable for one position), cut to MAX_REPORTED_ERRORS with a last line counting the rest. */
export function sortConfigErrors(errors: ConfigError[]): ConfigError[] {
  const sorted = errors
    .map((error, index) => ({ error, index }))
    .sort((a, b) => a.error.line - b.error.line || a.error.column - b.error.column || a.index - b.index)
    .map(({ error }) => error);
  if (sorted.length <= MAX_REPORTED_ERRORS) return sorted;
  const kept = sorted.slice(0, MAX_REPORTED_ERRORS);
  const next = sorted[MAX_REPORTED_ERRORS]!;
  const rest = sorted.length - MAX_REPORTED_ERRORS;
  return [...kept, { ...next, path: "", message: `${rest} more error${rest === 1 ? "" : "s"} not shown` }];
}
