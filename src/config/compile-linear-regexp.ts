import { setFlagsFromString } from "node:v8";

// A problem matcher's regexp comes from anyone with push access and runs on every line a step prints: V8's
// backtracking engine would let `(a+)+$` hang the worker. The experimental engine runs in time linear in the line
// (`/(a+)+$/l` on 5,000 characters: 2 ms) and refuses what it cannot do that way, but it is an interpreter: on an
// ordinary 100-character line gcc's regexp takes 9 µs there and 0.15 µs on the backtracking engine, which made
// matching a 1 GiB build log five times slower than writing it (benchmark 8 in BENCHMARKS.md). So a matcher's
// regexp runs on the backtracking engine, and V8 restarts it on the linear one once an exec has backtracked
// BACKTRACKS_BEFORE_LINEAR times: same matches (the engines agree on every regexp the linear one accepts), the
// time still linear in the line plus a constant. Setting V8 flags does no I/O. The fallback also covers gantry's
// other regexps, whose matches it does not change either.
setFlagsFromString("--enable-experimental-regexp-engine");
setFlagsFromString("--enable-experimental-regexp-engine-on-excessive-backtracks");
/** Backtracks of one exec before V8 runs it again on the linear-time engine (V8's default is 50,000). */
const BACKTRACKS_BEFORE_LINEAR = 10_000;
setFlagsFromString(`--regexp-backtracks-before-fallback=${BACKTRACKS_BEFORE_LINEAR}`);

export type LinearRegExpResult = { ok: true; regexp: RegExp; groups: number } | { ok: false; reason: string };

/**
 * Compiles `source` if V8's linear-time engine can run it (the regexp returned starts on the backtracking one, and
 * V8 moves an exec that backtracks too much onto the linear one), with the number of its capturing groups; or says
 * why it cannot be.
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
    // compiling with `l` proves the linear engine can take over; without it, V8 starts on the backtracking one
    new RegExp(source, "l");
    // An empty alternative matches "", so the match array has one slot per group however the regexp is written.
    const groups = new RegExp(`${source}|`, "l").exec("")!.length - 1;
    return { ok: true, regexp: new RegExp(source), groups };
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
