import type { RunRecord } from "../../runs/run-types.js";
import { formatDuration } from "../format-duration.js";
import type { RunView } from "./describe-run-view.js";
import { escapeHtml as e } from "../escape-html.js";
import type { RenderedLine } from "./render-log-lines.js";
import { RUN_PAGE_ASSETS } from "./run-page-assets.js";

export type RunPageContent =
  /** The log's last lines as rendered, starting at `firstLine`; `position` is the byte after the last. */
  | { kind: "log"; lines: RenderedLine[]; firstLine: number; position: number }
  /** Not scanned here: the tail kept with the result (plain text), if any. */
  | { kind: "unscanned"; tail: string | null }
  | { kind: "denied"; signInUrl: string | null };

/**
 * The run page's HTML. Every text from the run (repository, ref, commit, step names, annotations) is escaped
 * here; log lines come rendered (and escaped) by renderLogLines. No inline script or style: the page's CSP
 * allows only the files under /runs/assets/.
 */
export function renderRunPage(run: RunRecord, view: RunView, content: RunPageContent): string {
  const base = `/runs/${run.id}`;
  const query = `?attempt=${view.attempt}`;
  const denied = content.kind === "denied";
  const head = run.push.headCommit;
  const facts = denied
    ? ""
    : `<h1 id="run-title"><span id="run-repository">${e(`${run.push.owner}/${run.push.repo}`)}</span> · <span id="run-pipeline">${e(run.pipeline.name)}</span></h1>
<dl id="run-facts">
<dt>Commit</dt><dd><code id="run-commit">${e(run.push.sha)}</code> <span id="run-author">${e(head?.author ?? run.push.pusher)}</span> <span id="run-message" title="${e(head?.message ?? "")}">${e((head?.message ?? "").split("\n")[0]!)}</span></dd>
<dt>Ref</dt><dd id="run-ref">${e(run.push.ref.replace(/^refs\/(heads|tags)\//, ""))}</dd>
<dt>State</dt><dd>${stateHtml(view)}</dd>
<dt>Duration</dt><dd id="run-duration">${e(durationText(view))}</dd>
</dl>
<nav id="run-attempts">Attempt: ${Array.from({ length: view.attempts }, (_, i) => i + 1)
        .map((n) => `<a class="attempt${n === view.attempt ? " current" : ""}" data-attempt="${n}" href="${base}?attempt=${n}">${n}</a>`)
        .join(" ")}</nav>`;
  const title = denied ? `Run ${view.state}` : `${run.push.owner}/${run.push.repo} · ${run.pipeline.name} · ${view.state}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${e(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${RUN_PAGE_ASSETS.css}">
${denied ? "" : `<script type="module" src="${RUN_PAGE_ASSETS.js}"></script>`}
</head>
<body>
<header id="run-header" data-state="${e(view.state)}">
${denied ? `<h1 id="run-title">Run ${e(view.state)}</h1><p>${stateHtml(view)}</p>` : facts}
</header>
<main>
${denied ? deniedHtml(content.signInUrl) : logHtml(base, query, view, content)}
</main>
</body>
</html>
`;
}

function stateHtml(view: RunView): string {
  return `<span id="run-state" class="state state-${e(view.state)}" data-state="${e(view.state)}">${e(view.state)}</span> <span id="run-conclusion" class="conclusion conclusion-${e(view.conclusion ?? "none")}" data-conclusion="${e(view.conclusion ?? "")}">${e(view.conclusion ?? "")}</span> <span id="run-reason">${e(view.reason ?? "")}</span>`;
}

function durationText(view: RunView): string {
  const parts = [view.queuedMs !== null ? `queued ${formatDuration(view.queuedMs)}` : null, view.ranMs !== null ? `ran ${formatDuration(view.ranMs)}` : null];
  return parts.filter((part) => part !== null).join(", ");
}

function deniedHtml(signInUrl: string | null): string {
  return `<section id="access-denied"><p>The log of this run is only for those who can read its repository.</p>${
    signInUrl ? `<p><a id="sign-in" href="${e(signInUrl)}">Sign in with GitHub</a></p>` : ""
  }</section>`;
}

function logHtml(base: string, query: string, view: RunView, content: Exclude<RunPageContent, { kind: "denied" }>): string {
  const live = view.state !== "completed" || (view.scanned !== null && !view.scanned.complete);
  const log = content.kind === "log" ? content : null;
  const lastLine = log ? log.firstLine + log.lines.length - 1 : 0;
  const tools = `<nav id="log-tools">
<a id="jump-first-error" href="#L${view.firstErrorLine ?? ""}"${view.firstErrorLine === null ? " hidden" : ""}>Jump to the first error</a>
<a id="download-log" href="${base}/log${query}">Download the raw log</a>
<form id="search-form" action="${base}/search" method="get" role="search"><input type="hidden" name="attempt" value="${view.attempt}"><input id="search-input" name="q" type="search" maxlength="200" placeholder="Search the whole log" aria-label="Search the log"><button id="search-button" type="submit">Search</button></form>
</nav>
<section id="search-results" hidden></section>`;
  const annotations = `<section id="annotations-section"${view.annotations.length === 0 ? " hidden" : ""}><h2>Annotations</h2><ol id="annotations">${view.annotations.map(annotationHtml).join("")}</ol>${
    view.omittedAnnotations > 0 ? `<p id="annotations-omitted">${view.omittedAnnotations} more not kept</p>` : ""
  }</section>`;
  const attributes = [
    `data-run-id="${e(base.slice("/runs/".length))}"`,
    `data-attempt="${view.attempt}"`,
    `data-base="${e(base)}"`,
    `data-position="${log?.position ?? 0}"`,
    `data-first-line="${log && log.lines.length > 0 ? log.firstLine : 0}"`,
    `data-last-line="${lastLine}"`,
    `data-total-lines="${view.scanned?.lines ?? 0}"`,
    `data-live="${live}"`,
    `data-scanned="${view.scanned !== null}"`,
  ].join(" ");
  const body =
    content.kind === "log"
      ? `<button id="load-earlier" type="button"${content.firstLine > 1 ? "" : " hidden"}>Load earlier lines</button>\n${sectionsHtml(view, content.lines)}`
      : `<p id="log-unscanned">The log of this attempt is not here (it is on the node that ran it, or not written yet).${content.tail ? " Its end:" : ""}</p>${
          content.tail ? `<pre id="log-tail">${e(content.tail)}</pre>` : ""
        }${stepsWithoutLines(view)}`;
  return `${tools}\n${annotations}\n<section id="log" ${attributes}>\n${body}\n</section>\n<p id="log-status" aria-live="polite"></p>`;
}

function annotationHtml(annotation: RunView["annotations"][number]): string {
  const where = annotation.path ? `${annotation.path}${annotation.line > 0 ? `:${annotation.line}` : ""}` : "";
  const text = `<span class="annotation-level">${e(annotation.level)}</span> <span class="annotation-place">${e(where)}</span> ${
    annotation.title ? `<span class="annotation-title">${e(annotation.title)}</span> ` : ""
  }<span class="annotation-message">${e(annotation.message)}</span>`;
  const line = annotation.logLine;
  return `<li class="annotation level-${e(annotation.level)}" id="annotation-${annotation.index}"${line !== null ? ` data-line="${line}"` : ""}>${
    line !== null ? `<a class="annotation-link" href="#L${line}">${text}</a>` : text
  }</li>`;
}

function stepSummaryHtml(step: RunView["steps"][number]): string {
  return `<summary><span class="step-conclusion conclusion-${e(step.conclusion ?? "running")}">${e(step.conclusion ?? "running")}</span> <span class="step-name">${e(step.name)}</span> <span class="step-duration">${
    step.durationMs !== null ? e(formatDuration(step.durationMs)) : ""
  }</span></summary>`;
}

function stepsWithoutLines(view: RunView): string {
  return view.steps.map((step) => `<details class="step" id="step-${step.index}" data-step="${step.index}" data-conclusion="${e(step.conclusion ?? "")}">${stepSummaryHtml(step)}</details>`).join("\n");
}

/** Which steps start open: the failing ones and the one running, else the last. */
function openSteps(view: RunView): Set<number> {
  const open = new Set(view.steps.filter((step) => step.conclusion === "failure" || step.conclusion === "timed_out" || step.conclusion === null).map((step) => step.index));
  if (open.size === 0 && view.steps.length > 0) open.add(view.steps[view.steps.length - 1]!.index);
  return open;
}

// The page's structure, which the browser script extends the same way: the lines before the first step in
// #log-preamble; each step a details.step whose .step-lines hold its lines and its groups (details.group with
// .group-lines), ordered by line (data-line of a line, data-start of a group).
function sectionsHtml(view: RunView, lines: RenderedLine[]): string {
  const steps = view.steps.filter((step) => step.startLine !== null);
  const open = openSteps(view);
  const firstStart = steps[0]?.startLine ?? Number.POSITIVE_INFINITY;
  const preamble = lines.filter((line) => line.n < firstStart);
  const parts = [`<div id="log-preamble" class="step-lines">${preamble.map((line) => line.html).join("")}</div>`];
  steps.forEach((step, i) => {
    const start = step.startLine!;
    const end = step.endLine ?? (steps[i + 1]?.startLine ?? Number.POSITIVE_INFINITY) - 1;
    const groups = view.groups.filter((group) => group.startLine >= start && group.startLine <= end);
    const mine = lines.filter((line) => line.n >= start && line.n <= end);
    const children: Array<{ key: number; html: string }> = [];
    for (const group of groups) {
      const groupEnd = group.endLine ?? end;
      const inside = mine.filter((line) => line.n >= group.startLine && line.n <= groupEnd);
      children.push({
        key: group.startLine,
        html: `<details class="group" data-start="${group.startLine}" data-end="${group.endLine ?? ""}"><summary class="group-title">${e(group.title)}</summary><div class="group-lines">${inside.map((line) => line.html).join("")}</div></details>`,
      });
    }
    const inGroup = (n: number) => groups.some((group) => n >= group.startLine && n <= (group.endLine ?? end));
    for (const line of mine) if (!inGroup(line.n)) children.push({ key: line.n, html: line.html });
    children.sort((a, b) => a.key - b.key);
    parts.push(
      `<details class="step" id="step-${step.index}" data-step="${step.index}" data-start="${start}" data-end="${step.endLine ?? ""}" data-conclusion="${e(step.conclusion ?? "")}"${open.has(step.index) ? " open" : ""}>${stepSummaryHtml(step)}<div class="step-lines">${children.map((child) => child.html).join("")}</div></details>`,
    );
  });
  return parts.join("\n");
}
