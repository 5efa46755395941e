/**
 * The markers GitHub honours for Actions plus gantry's own. Exact spelling apart from case: `[skip  ci]` or `[skip-ci]`
 * are not directives, so a message that merely talks about skipping does not silence CI.
 */
const SKIP_DIRECTIVE = /\[(?:skip ci|ci skip|no ci|skip actions|actions skip|skip gantry|gantry skip)\]/i;

/** The first skip directive in a commit message, as written (e.g. `[Skip CI]`), or `null`. */
export function findSkipDirective(message: string): string | null {
  return SKIP_DIRECTIVE.exec(message)?.[0] ?? null;
}
