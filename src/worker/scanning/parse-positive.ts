/** A line or column number as printed: 1 or more, at most 9 digits (what else a step prints is no position). */
export function parsePositive(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,9}$/.test(text)) return undefined;
  const value = Number(text);
  return value > 0 ? value : undefined;
}
