/**
 * Hours, minutes and seconds in that order, each optional but at least one present: "90s", "10m", "1h", "1h30m".
 * Shared with the schema so the generated JSON Schema rejects the same strings the parser does.
 */
export const DURATION_PATTERN = /^(?=\d)(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const SECOND_MS = 1_000;

/** Milliseconds for a duration like "1h30m", or `null` when the text is not one (bare numbers have no unit, so they are not). */
export function parseDuration(text: string): number | null {
  const match = DURATION_PATTERN.exec(text);
  if (match === null) return null;
  const [, hours = "0", minutes = "0", seconds = "0"] = match;
  const ms = Number(hours) * HOUR_MS + Number(minutes) * MINUTE_MS + Number(seconds) * SECOND_MS;
  // Absurd digit strings overflow to Infinity; refusing them keeps every result a usable timer value.
  return Number.isSafeInteger(ms) ? ms : null;
}
