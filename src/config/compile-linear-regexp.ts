import { setFlagsFromString } from "node:v8";

// A problem matcher's regexp comes from anyone with push access and runs on every line a step prints: V8's
// backtracking engine would let `(a+)+$` hang the worker. The experimental engine runs in time linear in the line
// (`/(a+)+$/l` on 5,000 characters: 2 ms) and refuses what it cannot do that way. Setting a V8 flag does no I/O;
// the flag only makes the `l` flag known and changes no other regexp.
setFlagsFromString("--enable-experimental-regexp-engine");

export type LinearRegExpResult = { ok: true; regexp: RegExp; groups: number } | { ok: false; reason: string };

/**
 * Compiles `source` for V8's linear-time engine, with the number of its capturing groups; or says why it cannot be.
 * The engine supports no flags besides `l` that change matching here (no `i`, no `u`), no backreferences, no
 * lookarounds and no large counted repetitions (`a{1,1000}`).
 */
export function compileLinearRegExp(source: string): LinearRegExpResult {
  try {
    new RegExp(source);
  } catch (error) {
    return { ok: false, reason: `is not a valid regular expression (${syntaxReason(error, source)})` };
  }
  try {
    const regexp = new RegExp(source, "l");
    // An empty alternative matches "", so the match array has one slot per group however the regexp is written.
    const groups = new RegExp(`${source}|`, "l").exec("")!.length - 1;
    return { ok: true, regexp, groups };
  } catch {
    return {
      ok: false,
      reason: "cannot run in linear time: backreferences (\\1, \\k<name>), lookarounds ((?=, (?!, (?<=, (?<!) and large counted repetitions (x{1,1000}) are not supported",
    };
  }
}

function syntaxReason(error: unknown, source: string): string {
  const message = error instanceof Error ? error.message : String(error);
  // V8 repeats the whole expression: "Invalid regular expression: /(a/: Unterminated group".
  const prefix = `Invalid regular expression: /${source}/: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}
