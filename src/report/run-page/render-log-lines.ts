import { AnsiUp } from "ansi_up";
import { escapeHtml } from "../escape-html.js";
import { paletteIndex } from "./palette-colour.js";

/** One line of a log as read from the file (without its newline), `cut` when it was longer than the page shows. */
export interface LogLine {
  n: number;
  text: string;
  cut: boolean;
}

export interface RenderedLine {
  n: number;
  /** The whole `div.line` element. */
  html: string;
}

// Colour and style escapes: kept from the part of a line a `\r` redraw overwrote, since they still apply.
const SGR = /\u001b\[[0-9;:]*m/g;
// Controls other than tab mean nothing on a page: dropped from what ansi_up makes of a line (ESC and BEL
// end escape sequences it reads, `\r` redraws are collapsed before).
const CONTROLS = /[\u0000-\u0008\u000a-\u001f\u007f]/g;
// What ansi_up writes for bold, faint, italic, underline and 256/true colours: inline styles, which the page's
// CSP forbids, so they become classes (true colours rounded to the 256-colour palette the CSS defines).
const STYLED_SPAN = /<span style="([^"]*)"(?: class="([^"]*)")?>/g;
const STYLE_CLASSES: Record<string, string> = {
  "font-weight:bold": "ansi-bold",
  "opacity:0.7": "ansi-faint",
  "font-style:italic": "ansi-italic",
  "text-decoration:underline": "ansi-underline",
};

/**
 * Log lines as HTML: ANSI colours as classes, `\r` redraws collapsed to what the terminal showed last, every
 * character of the text escaped (ansi_up escapes by default; OSC 8 hyperlinks become links for http(s) only).
 * Each line is a `div.line` with its number, a link to itself and links to the annotations read from it.
 * Each line is rendered on its own: a colour does not carry over to the next line.
 */
export function renderLogLines(lines: LogLine[], annotationsByLine: ReadonlyMap<number, number[]>): RenderedLine[] {
  const ansi = new AnsiUp();
  ansi.escape_html = true;
  ansi.use_classes = true;
  ansi.url_allowlist = { http: 1, https: 1 };
  return lines.map(({ n, text, cut }) => {
    // only whole sequences reach ansi_up, and every line ends with a reset: a sequence a line leaves open
    // cannot swallow the next lines, a colour does not leak into them, and a line renders the same on the
    // page, from /lines and in events (one converter for many lines: building one costs more than a line)
    const body = toClasses(ansi.ansi_to_html(`${wholeSequences(collapseRedraws(text))}\u001b[0m`)).replace(CONTROLS, "");
    const marks = (annotationsByLine.get(n) ?? [])
      .map((index) => `<a class="annotation-marker" href="#annotation-${index}" data-annotation="${index}" title="annotation">&#9650;</a>`)
      .join("");
    const cutMark = cut ? `<span class="line-cut">[line cut]</span>` : "";
    return {
      n,
      html: `<div class="line" id="L${n}" data-line="${n}"><a class="line-number" href="#L${n}">${n}</a><span class="line-text">${body}${cutMark}</span>${marks}</div>`,
    };
  });
}

// CSI sequences and OSC 8 hyperlinks (opened, text, closed) as ansi_up reads them; any other escape (titles,
// charsets, a sequence cut off by the line end, a lone ESC) is dropped.
const SEQUENCES =
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\]8;[^;\u0007\u001b]*;[^\u0007\u001b]*(?:\u0007|\u001b\\)[^\u001b]*\u001b\]8;;(?:\u0007|\u001b\\)|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[ -/]*[0-~]?|\u009b/g;

const WHOLE_CSI = /^\u001b\[[0-?]*[ -/]*[@-~]$/;
const WHOLE_LINK = /^\u001b\]8;.*\u001b\]8;;(?:\u0007|\u001b\\)$/s;

function wholeSequences(line: string): string {
  return line.replace(SEQUENCES, (sequence) => (WHOLE_CSI.test(sequence) || WHOLE_LINK.test(sequence) ? sequence : ""));
}

function collapseRedraws(line: string): string {
  const trimmed = line.replace(/\r+$/, "");
  const last = trimmed.lastIndexOf("\r");
  if (last < 0) return trimmed;
  return (trimmed.slice(0, last).match(SGR) ?? []).join("") + trimmed.slice(last + 1);
}

function toClasses(html: string): string {
  return html
    .replace(STYLED_SPAN, (_, style: string, classes: string | undefined) => {
      const names = classes ? classes.split(" ") : [];
      for (const rule of style.split(";")) {
        const known = STYLE_CLASSES[rule];
        if (known) names.push(known);
        const colour = /^(color|background-color):rgb\((\d+),(\d+),(\d+)\)$/.exec(rule);
        if (colour) names.push(`ansi-c${paletteIndex(Number(colour[2]), Number(colour[3]), Number(colour[4]))}-${colour[1] === "color" ? "fg" : "bg"}`);
      }
      return `<span class="${escapeHtml(names.join(" "))}">`;
    })
    .replace(/<a href="/g, '<a rel="nofollow noopener noreferrer" href="');
}
