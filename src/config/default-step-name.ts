const MAX_NAME_CHARS = 60;

/** The name a step without `name` shows: the first non-blank line of its command, cut to 60 characters. */
export function defaultStepName(run: string): string {
  const line = run.split(/\r?\n/).map((text) => text.trim()).find((text) => text !== "") ?? "";
  // Count code points, not UTF-16 units, so a cut never splits an emoji in half.
  const chars = Array.from(line);
  return chars.length <= MAX_NAME_CHARS ? line : `${chars.slice(0, MAX_NAME_CHARS - 1).join("")}…`;
}
