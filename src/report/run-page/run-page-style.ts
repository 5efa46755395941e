import { paletteColour } from "./palette-colour.js";

const NAMED: Array<[string, string]> = [
  ["black", "#000000"], ["red", "#bb0000"], ["green", "#00bb00"], ["yellow", "#bbbb00"],
  ["blue", "#0000bb"], ["magenta", "#bb00bb"], ["cyan", "#00bbbb"], ["white", "#ffffff"],
  ["bright-black", "#555555"], ["bright-red", "#ff5555"], ["bright-green", "#00ff00"], ["bright-yellow", "#ffff55"],
  ["bright-blue", "#5555ff"], ["bright-magenta", "#ff55ff"], ["bright-cyan", "#55ffff"], ["bright-white", "#ffffff"],
];

const LAYOUT = `
:root { color-scheme: dark; --bg: #0d1117; --fg: #c9d1d9; --muted: #8b949e; --line-hover: #161b22; --highlight: #3b2e00; --border: #30363d; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, sans-serif; }
header, main { padding: 0 16px; }
#run-title { font-size: 18px; margin: 12px 0 4px; }
#run-facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 8px; }
#run-facts dt { color: var(--muted); }
#run-facts dd { margin: 0; overflow-wrap: anywhere; }
.state, .conclusion, .step-conclusion { font-weight: 600; }
.state-running, .state-queued, .state-waiting, .conclusion-running { color: #d29922; }
.conclusion-success { color: #3fb950; }
.conclusion-failure, .conclusion-timed_out { color: #f85149; }
.conclusion-cancelled, .conclusion-skipped { color: var(--muted); }
#run-attempts a.current { font-weight: 700; text-decoration: none; }
a { color: #58a6ff; }
#log-tools { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; margin: 8px 0; }
#search-results { border: 1px solid var(--border); padding: 4px 8px; margin: 8px 0; max-height: 40vh; overflow: auto; }
.search-hit { display: block; font-family: ui-monospace, monospace; white-space: pre-wrap; }
.search-hit mark { background: #9e6a03; color: inherit; }
#annotations { margin: 4px 0 8px; padding-left: 24px; }
.annotation.level-failure .annotation-level { color: #f85149; }
.annotation.level-warning .annotation-level { color: #d29922; }
.annotation.level-notice .annotation-level { color: #58a6ff; }
#log { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
details.step { border-top: 1px solid var(--border); }
details.step > summary { cursor: pointer; padding: 4px 0; font-family: system-ui, sans-serif; font-size: 14px; }
.step-duration { color: var(--muted); }
details.group > summary { cursor: pointer; color: var(--muted); padding-left: 8ch; }
/* a group's lines keep their numbers in the step's column: a group shows by its title and a rule, not by a shift */
details.group[open] > .group-lines { box-shadow: inset 2px 0 0 var(--border); }
.line { display: flex; white-space: pre-wrap; overflow-wrap: anywhere; }
.line:hover { background: var(--line-hover); }
.line.highlighted { background: var(--highlight); }
.line-number { flex: none; width: 7ch; padding-right: 1ch; text-align: right; color: var(--muted); text-decoration: none; user-select: none; }
.line-text { flex: 1; min-width: 0; }
.line-cut { color: var(--muted); margin-left: 1ch; }
.annotation-marker { flex: none; margin-left: 1ch; color: #f85149; text-decoration: none; }
#load-earlier, .load-gap { margin: 4px 0; }
#log-status { color: var(--muted); }
.ansi-bold { font-weight: bold; }
.ansi-faint { opacity: 0.7; }
.ansi-italic { font-style: italic; }
.ansi-underline { text-decoration: underline; }
`;

/** The run page's stylesheet, served as a file (the CSP forbids inline styles): ANSI colours as the classes renderLogLines writes. */
export function runPageStyle(): string {
  const named = NAMED.flatMap(([name, colour]) => [`.ansi-${name}-fg { color: ${colour}; }`, `.ansi-${name}-bg { background-color: ${colour}; }`]);
  const palette = Array.from({ length: 240 }, (_, i) => i + 16).flatMap((index) => {
    const rgb = `rgb(${paletteColour(index).join(",")})`;
    return [`.ansi-c${index}-fg { color: ${rgb}; }`, `.ansi-c${index}-bg { background-color: ${rgb}; }`];
  });
  return LAYOUT + [...named, ...palette].join("\n") + "\n";
}
