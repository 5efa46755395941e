/**
 * Helpers for writing untrusted text into GitHub Markdown and for staying inside GitHub's size limits
 * without producing broken characters. Lengths are JS string lengths unless a name says bytes.
 */

// GitHub only links `@name` when the name follows the `@` directly, so an invisible joiner stops the ping.
const ZERO_WIDTH_JOINER = "\u200d";

/**
 * Makes `s` render as the literal text it is, on one line: no HTML, links, images, emphasis, headings,
 * math, table breaks or `@mention` pings. Newlines become spaces because the result goes into table
 * cells and single-line list items.
 */
export function escapeMarkdown(s: string): string {
  return (
    s
      .replace(/\r\n|[\n\r\u0085\u2028\u2029\t]/g, " ")
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, "")
      // Backslash escapes are honoured inside GFM table cells too, so `\|` does not end a cell.
      .replace(/[\\`*_{}[\]()<>#!|~&$]/g, "\\$&")
      // Only a line's start can open a list, heading underline or ordered list; the result may start one.
      .replace(/^([-+=])/, "\\$1")
      .replace(/^(\d+)\./, "$1\\.")
      .replace(/@/g, `@${ZERO_WIDTH_JOINER}`)
      // GFM autolinks bare `scheme://` and `www.` text; the joiner breaks the pattern but reads the same.
      .replace(/:\/\//g, `:${ZERO_WIDTH_JOINER}//`)
      .replace(/(www)\./gi, `$1${ZERO_WIDTH_JOINER}.`)
  );
}

/** A fenced code block that `text` cannot close early: the fence is longer than any backtick run inside. */
export function codeFence(text: string): string {
  let longest = 0;
  for (const run of text.matchAll(/`+/g)) longest = Math.max(longest, run[0].length);
  const fence = "`".repeat(Math.max(3, longest + 1));
  const body = text === "" || text.endsWith("\n") ? text : `${text}\n`;
  return `${fence}\n${body}${fence}`;
}

/** The subject line of a commit message. */
export function firstLine(message: string): string {
  return (message.split(/\r\n|\r|\n/, 1)[0] ?? "").trim();
}

/** At most `max` characters of `s` (including `marker`, appended when something was cut); never half a surrogate pair. */
export function truncateChars(s: string, max: number, marker = ""): string {
  if (s.length <= max) return s;
  if (max <= 0) return "";
  if (marker.length >= max) return truncateChars(marker, max);
  let end = max - marker.length;
  if (isHighSurrogate(s.charCodeAt(end - 1))) end -= 1;
  return s.slice(0, end) + marker;
}

/** Size of `s` in UTF-8, which is what GitHub measures `OUTPUT_LIMIT` in. */
export function utf8Length(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) bytes += utf8Width(s, i);
  return bytes;
}

/** The longest prefix of `s` that fits in `maxBytes` of UTF-8; never half a surrogate pair. */
export function truncateBytes(s: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  while (end < s.length) {
    const width = utf8Width(s, end);
    if (bytes + width > maxBytes) break;
    bytes += width;
    end += width === 4 ? 2 : 1;
  }
  return s.slice(0, end);
}

/**
 * The start of `s` within `maxBytes` of UTF-8, ending at a line end when one fits, with `notice` appended
 * (inside the budget) when something was cut; never half a surrogate pair.
 */
export function headWithinBytes(s: string, maxBytes: number, notice = ""): string {
  if (utf8Length(s) <= maxBytes) return s;
  const room = maxBytes - utf8Length(notice);
  if (room <= 0) return truncateBytes(notice, maxBytes);
  const head = truncateBytes(s, room);
  const lineEnd = head.lastIndexOf("\n");
  return (lineEnd > 0 ? head.slice(0, lineEnd) : head) + notice;
}

/**
 * The end of `s` within `maxBytes` of UTF-8, starting at a line start so no line is shown half.
 * When even the last line does not fit, its end is kept instead of nothing.
 */
export function tailWithinBytes(s: string, maxBytes: number): string {
  let bytes = 0;
  let start = s.length;
  while (start > 0) {
    const pair = start >= 2 && isHighSurrogate(s.charCodeAt(start - 2)) && isLowSurrogate(s.charCodeAt(start - 1));
    const width = pair ? 4 : utf8Width(s, start - 1);
    if (bytes + width > maxBytes) break;
    bytes += width;
    start -= pair ? 2 : 1;
  }
  if (start === 0 || s[start - 1] === "\n") return s.slice(start);
  const lineStart = s.indexOf("\n", start) + 1;
  // No complete line fits (the only newline ends the text): keep the last line's end.
  if (lineStart === 0 || lineStart === s.length) return s.slice(start);
  return s.slice(lineStart);
}

// Bytes for the code unit at `i`: a valid pair counts 4 at its high half and is skipped by callers;
// a lone surrogate is sent as U+FFFD, 3 bytes.
function utf8Width(s: string, i: number): number {
  const unit = s.charCodeAt(i);
  if (unit < 0x80) return 1;
  if (unit < 0x800) return 2;
  if (isHighSurrogate(unit) && isLowSurrogate(s.charCodeAt(i + 1))) return 4;
  if (isLowSurrogate(unit) && isHighSurrogate(s.charCodeAt(i - 1))) return 0;
  return 3;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
