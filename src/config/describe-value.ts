const MAX_SHOWN_CHARS = 40;

/** Shows a config value inside an error message: scalars as written in YAML-ish form, collections by kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(truncate(value));
  return String(value);
}

function truncate(text: string): string {
  const chars = Array.from(text);
  return chars.length <= MAX_SHOWN_CHARS ? text : `${chars.slice(0, MAX_SHOWN_CHARS - 1).join("")}…`;
}
