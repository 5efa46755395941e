/**
 * GANTRY_PASS_ENV: the server variables steps may see besides the built-in allowlist, names separated by commas
 * or white space. Read here only, for the server's settings and for `gantry run`.
 */
export function readPassEnv(env: NodeJS.ProcessEnv): string[] {
  return (env["GANTRY_PASS_ENV"] ?? "").split(/[\s,]+/).filter(Boolean);
}
