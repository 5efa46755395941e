/** Terminal output made plain text: one place for what an escape sequence and a redraw are. */

// CSI (colours, cursor moves), OSC (titles, hyperlinks) up to BEL/ST or the line end, other ESC sequences, and 8-bit CSI.
export const ANSI_ESCAPES =
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b\n]*(?:\u0007|\u001b\\)?|\u001b[P^_X][^\u001b\n]*(?:\u001b\\)?|\u001b[ -/]*[0-~]|\u009b[0-?]*[ -/]*[@-~]/g;
// Other control characters have no meaning in plain text (tab and newline are kept, `\r` is handled per line).
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** What a terminal would show of `text`: no escape sequences, each line as its last `\r` redraw left it, no other controls. */
export function toPlainText(text: string): string {
  return text
    .replace(ANSI_ESCAPES, "")
    .split("\n")
    .map(lastRedraw)
    .join("\n")
    .replace(CONTROLS, "");
}

// A terminal shows what was written after the last `\r`; a trailing `\r` (CRLF, or a redraw about to
// happen) overwrites nothing yet.
export function lastRedraw(line: string): string {
  // most lines have no `\r`: the log scanner calls this on every line a matcher reads
  if (!line.includes("\r")) return line;
  const trimmed = line.replace(/\r+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("\r") + 1);
}

/** `line` without ANSI escape sequences (a matched line keeps its `\r`s and other characters). */
export function stripAnsi(line: string): string {
  // every sequence starts with ESC or an 8-bit CSI; a line without either needs no regexp
  if (!line.includes("\u001b") && !line.includes("\u009b")) return line;
  return line.replace(ANSI_ESCAPES, "");
}
