import { compileGlob } from "../config/compile-glob.js";

/**
 * A matcher for an ordered pattern list where a leading `!` excludes: the last pattern that matches decides,
 * so `["release/**", "!release/old/**", "release/old/keep"]` re-includes the last one. No match means excluded.
 * Patterns come from a validated config; one that does not compile throws.
 */
export function compileGlobs(patterns: readonly string[]): (subject: string) => boolean {
  const rules = patterns.map((pattern) => {
    const negative = pattern.startsWith("!");
    return { negative, test: compileGlob(negative ? pattern.slice(1) : pattern) };
  });
  return (subject) => {
    let included = false;
    for (const rule of rules) {
      // Only a rule that would flip the outcome needs testing.
      if (rule.negative === included && rule.test(subject)) included = !rule.negative;
    }
    return included;
  };
}
