import { capSummary, OUTPUT_LIMIT, TITLE_LIMIT, type CheckRunOutput } from "./check-run-output.js";
import { codeFence, escapeMarkdown, firstLine, headWithinBytes, tailWithinBytes, truncateChars, utf8Length } from "./markdown.js";
import type { CommitInfo, Conclusion, RunReport, StepResult, TestReport } from "./report-types.js";
import { formatDuration } from "./format-duration.js";
import { findFailedStep } from "../runs/find-failed-step.js";
import { MAX_ANNOTATIONS } from "../runs/log-scan.js";
import { toPlainText } from "../runs/plain-text.js";
import type { Annotation, AnnotationLevel, CacheReport } from "../runs/run-types.js";
import { formatCacheSize } from "../runs/format-cache-size.js";
import { levelOf } from "./to-check-annotation.js";
import { sortAnnotations } from "./sort-annotations.js";

const NAME_CHARS = 100;
const AUTHOR_CHARS = 60;
const MESSAGE_CHARS = 120;
const REASON_CHARS = 4000;
const COMMITS_SHOWN = 20;
const STEPS_SHOWN = 50;
/** The tests section's share of the summary at most: the failing output and the steps' summaries need room too. */
const TESTS_BYTES = 16_000;
const TEST_NAME_CHARS = 200;
const TEST_MESSAGE_CHARS = 200;
const SEPARATOR = "\n\n";
/** A cache key in the summary (keys are up to 512 characters; at most 10 caches, so the table stays small). */
const CACHE_KEY_CHARS = 100;
/** The annotations section lists at most this many of those GitHub cannot show on a file, in at most this many bytes. */
const ANNOTATIONS_LISTED = 30;
const ANNOTATIONS_SECTION_BYTES = 16_384;
const ANNOTATION_TEXT_CHARS = 200;
const LEVELS: readonly AnnotationLevel[] = ["failure", "warning", "notice"];

/** The check run's `output` for a finished (or skipped) pipeline run; `text` is "" when there is no log. */
export function summarize(report: RunReport): Required<Pick<CheckRunOutput, "title" | "summary" | "text">> {
  return { title: titleOf(report), summary: summaryOf(report), text: textOf(report.logTail) };
}

/** `850 ms`, `12.3 s`, `2 min 5 s`, `1 h 3 min`. */
function titleOf(report: RunReport): string {
  const pipeline = plain(report.pipeline);
  const culprit = culpritStep(report);
  const step = culprit === undefined ? undefined : plain(culprit);
  return truncateChars(titleText(report, pipeline, step), TITLE_LIMIT, "…");
}

function titleText(report: RunReport, pipeline: string, step: string | undefined): string {
  switch (report.conclusion) {
    case "success":
      return report.durationMs === null
        ? `✔ ${pipeline} succeeded`
        : `✔ ${pipeline} succeeded in ${formatDuration(report.durationMs)}`;
    case "failure":
      return step === undefined ? `✖ ${pipeline} failed` : `✖ ${pipeline} failed at step "${step}"`;
    case "timed_out":
      return step === undefined ? `⏱ ${pipeline} timed out` : `⏱ ${pipeline} timed out in step "${step}"`;
    case "skipped":
      return `${pipeline} skipped`;
    case "cancelled":
      return `${pipeline} cancelled`;
  }
}

// Titles are plain text, not Markdown: only newlines and length need taming.
function plain(s: string): string {
  return truncateChars(s.replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, " ").trim(), NAME_CHARS, "…");
}

function culpritStep(report: RunReport): string | undefined {
  if (report.conclusion !== "failure" && report.conclusion !== "timed_out") return undefined;
  return report.failingStep?.name ?? findFailedStep(report)?.name;
}

function summaryOf(report: RunReport): string {
  const details = [refSection(report), commitsSection(report), cachesSection(report.caches), stepsSection(report)].filter((s) => s !== "");
  const first = leadSections(report);
  // the tests come right after what failed, in what gantry's other sections leave
  const lead = [...first, ...testsSection(report.tests, OUTPUT_LIMIT - utf8Length([...first, ...details].join(SEPARATOR)) - SEPARATOR.length)];
  const notes = annotationsSection(report, Math.min(ANNOTATIONS_SECTION_BYTES, OUTPUT_LIMIT - utf8Length([...lead, ...details].join(SEPARATOR)) - SEPARATOR.length));
  if (notes !== "") details.push(notes);
  // The failing output leads, but it is the part that gives way so the rest always fits.
  const tail = culpritTail(report);
  const room = OUTPUT_LIMIT - utf8Length([...lead, ...details].join(SEPARATOR)) - SEPARATOR.length;
  const block = tail === "" ? "" : fencedWithin(tail, room);
  const sections = block === "" ? [...lead, ...details] : [...lead, block, ...details];
  // what steps wrote comes last, in the room left: an unclosed code fence of theirs cannot swallow gantry's sections
  const body = sections.join(SEPARATOR);
  const written = stepSummaries(report.steps, OUTPUT_LIMIT - utf8Length(body) - SEPARATOR.length);
  return capSummary(written === "" ? body : `${body}${SEPARATOR}${written}`);
}

/** A code fence the step left open would hold everything after it: closed, as the end of its summary would. */
function closeFences(markdown: string): string {
  let open: string | null = null;
  for (const line of markdown.split("\n")) {
    const fence = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined) continue;
    if (open === null) open = fence;
    else if (fence[0] === open[0] && fence.length >= open.length) open = null;
  }
  return open === null ? markdown : `${markdown}\n${open}`;
}

/**
 * Each step's own Markdown ($GANTRY_STEP_SUMMARY) under its name, as much as `room` bytes hold; what is cut or
 * left out is said. The Markdown is the step's by design, as with GitHub Actions; GitHub sanitizes it.
 */
function stepSummaries(steps: readonly StepResult[], room: number): string {
  const parts: string[] = [];
  let left = room;
  const written = steps.filter((step) => step.summary !== undefined);
  for (const [index, step] of written.entries()) {
    const heading = `### Summary of step "${escapeMarkdown(truncateChars(step.name, NAME_CHARS, "…"))}"`;
    const summary = closeFences(step.summary!.trimEnd());
    const total = utf8Length(summary) + (step.summaryCutBytes ?? 0);
    const skipped = written.slice(index);
    const leftOut = `_Not shown for lack of room (GitHub keeps a summary to 65,535 bytes): the summaries of ${skipped.length === 1 ? "step" : "steps"} ${skipped.map((s) => `"${escapeMarkdown(truncateChars(s.name, NAME_CHARS, "…"))}"`).join(", ")}._`;
    // keep room to say what is left out after this one
    const budget = left - utf8Length(heading) - 2 * SEPARATOR.length - utf8Length(leftOut) - 200;
    if (budget < 200) {
      if (utf8Length(leftOut) + SEPARATOR.length <= left) parts.push(leftOut);
      break;
    }
    let shown = summary;
    if (utf8Length(shown) > budget || step.summaryCutBytes) {
      shown = headWithinBytes(summary, budget - 120);
      shown += `${SEPARATOR}_Summary cut: ${utf8Length(shown)} of ${total} bytes shown._`;
    }
    const part = `${heading}${SEPARATOR}${shown}`;
    parts.push(part);
    left -= utf8Length(part) + SEPARATOR.length;
  }
  return parts.join(SEPARATOR);
}

/**
 * What the JUnit reports say: a table of the counts, then the failed tests (name, first line of the message,
 * location), then the report files that could not be read. All of it is the step's text, escaped; rows that do
 * not fit in `room` (at most TESTS_BYTES) are counted instead. Nothing when there are no reports or no room.
 */
function testsSection(tests: TestReport | undefined, room: number): string[] {
  if (tests === undefined) return [];
  const budget = Math.min(room, TESTS_BYTES);
  const time = tests.timeMs === null ? "—" : formatDuration(tests.timeMs);
  const counts = ["#### Tests", "", "| Passed | Failed | Skipped | Time |", "| --- | --- | --- | --- |", `| ${tests.passed} | ${tests.failed > 0 ? `✖ ${tests.failed}` : "0"} | ${tests.skipped} | ${time} |`].join("\n");
  if (tests.passed + tests.failed + tests.skipped === 0 && tests.problems.length === 0) return [];
  let section = tests.passed + tests.failed + tests.skipped === 0 ? `${counts}${SEPARATOR}_The reports hold no test cases._` : counts;
  if (utf8Length(section) > budget) return [];
  const more = (count: number) => `| …and ${count} more failed ${count === 1 ? "test" : "tests"} | | |`;
  // a row for what is left out always fits after the rows shown
  const reserve = utf8Length(more(tests.failed)) + 1;
  const rows: string[] = [];
  let size = utf8Length(section) + SEPARATOR.length + utf8Length("| Failed test | Message | Location |\n| --- | --- | --- |");
  for (const failure of tests.failures) {
    const row = failureRow(failure);
    if (size + 1 + utf8Length(row) + reserve > budget) break;
    rows.push(row);
    size += 1 + utf8Length(row);
  }
  const left = tests.failed - rows.length;
  if (tests.failed > 0 && size + reserve <= budget) {
    section += `${SEPARATOR}| Failed test | Message | Location |\n| --- | --- | --- |\n${[...rows, ...(left > 0 ? [more(left)] : [])].join("\n")}`;
  }
  if (tests.problems.length === 0) return [section];
  const heading = `${SEPARATOR}**Report files not read:**\n`;
  const items: string[] = [];
  let used = utf8Length(section) + utf8Length(heading);
  for (const problem of tests.problems) {
    const item = `- ${escapeMarkdown(truncateChars(problem, REASON_CHARS, "…"))}`;
    if (used + utf8Length(item) + 1 > budget) break;
    items.push(item);
    used += utf8Length(item) + 1;
  }
  return [items.length === 0 ? section : `${section}${heading}${items.join("\n")}`];
}

function failureRow(failure: TestReport["failures"][number]): string {
  const label = failure.suite === "" ? failure.name : `${failure.suite} › ${failure.name}`;
  const name = escapeMarkdown(truncateChars(label.trim() || "(unnamed test)", TEST_NAME_CHARS, "…"));
  const message = escapeMarkdown(truncateChars(firstLine(failure.message), TEST_MESSAGE_CHARS, "…"));
  const at = failure.path ? `${failure.path}${failure.line ? `:${failure.line}` : ""}` : "";
  const location = at === "" ? "—" : escapeMarkdown(truncateChars(at, TEST_NAME_CHARS, "…"));
  return `| ${name} | ${message || "—"} | ${location} |`;
}

function leadSections(report: RunReport): string[] {
  const sections: string[] = [];
  const culprit = culpritStep(report);
  if (culprit !== undefined) sections.push(culpritHeading(report, culprit));
  if (report.reason !== undefined && report.reason.trim() !== "") {
    sections.push(reasonSection(reasonLabel(report.conclusion), report.reason));
  }
  return sections;
}

function culpritHeading(report: RunReport, name: string): string {
  const quoted = `"${escapeMarkdown(truncateChars(name, NAME_CHARS, "…"))}"`;
  if (report.conclusion === "timed_out") return `### ⏱ Step ${quoted} timed out`;
  const exitCode = report.steps.find((step) => step.name === name)?.exitCode ?? null;
  return exitCode === null ? `### ✖ Step ${quoted} failed` : `### ✖ Step ${quoted} failed with exit code ${exitCode}`;
}

function culpritTail(report: RunReport): string {
  if (report.conclusion !== "failure" && report.conclusion !== "timed_out") return "";
  const tail = report.failingStep?.tail ?? "";
  return tail.trim() === "" ? "" : tail;
}

function reasonLabel(conclusion: Conclusion): string {
  if (conclusion === "skipped") return "Skipped";
  if (conclusion === "cancelled") return "Cancelled";
  return "Reason";
}

// Multi-line reasons (config errors with a caret under the bad line) only make sense verbatim.
function reasonSection(label: string, reason: string): string {
  const bounded = truncateChars(reason.trim(), REASON_CHARS, "…");
  return /[\r\n]/.test(bounded)
    ? `**${label}:**${SEPARATOR}${codeFence(bounded)}`
    : `**${label}:** ${escapeMarkdown(bounded)}`;
}

function refSection(report: RunReport): string {
  const lines = [`- **Ref:** ${refName(report.ref)}`, `- **Commit:** ${commitLine(report.sha, report.headCommit)}`];
  if (report.durationMs !== null) lines.push(`- **Duration:** ${formatDuration(report.durationMs)}`);
  return lines.join("\n");
}

function refName(ref: string): string {
  const tag = /^refs\/tags\/(.+)$/s.exec(ref);
  if (tag?.[1] !== undefined) return `${escapeMarkdown(truncateChars(tag[1], NAME_CHARS, "…"))} (tag)`;
  return escapeMarkdown(truncateChars(ref.replace(/^refs\/heads\//, ""), NAME_CHARS, "…"));
}

function commitLine(sha: string, commit: CommitInfo | null): string {
  let line = shortSha(sha);
  if (commit === null) return line;
  const author = truncateChars(commit.author.trim(), AUTHOR_CHARS, "…");
  const subject = truncateChars(firstLine(commit.message), MESSAGE_CHARS, "…");
  if (author !== "") line += ` by ${escapeMarkdown(author)}`;
  if (subject !== "") line += ` — ${escapeMarkdown(subject)}`;
  return line;
}

function commitsSection(report: RunReport): string {
  if (report.commits.length === 0) return "";
  const total = Math.max(report.totalCommits ?? 0, report.commits.length);
  const shown = report.commits.slice(0, COMMITS_SHOWN);
  const items = shown.map((commit) => `- ${commitItem(commit)}`);
  const more = total - shown.length;
  if (more > 0) items.push(`- …and ${more} more ${more === 1 ? "commit" : "commits"}`);
  return `#### Commits (${total})${SEPARATOR}${items.join("\n")}`;
}

function commitItem(commit: CommitInfo): string {
  const subject = truncateChars(firstLine(commit.message), MESSAGE_CHARS, "…");
  const author = truncateChars(commit.author.trim(), AUTHOR_CHARS, "…");
  let item = shortSha(commit.id);
  if (subject !== "") item += ` ${escapeMarkdown(subject)}`;
  if (author !== "") item += ` — ${escapeMarkdown(author)}`;
  return item;
}

// A sha from the payload should be hex; anything else is escaped like any other untrusted text.
function shortSha(sha: string): string {
  const short = sha.slice(0, 7);
  return /^[0-9a-f]+$/i.test(short) ? `\`${short}\`` : escapeMarkdown(short);
}

/** One row per configured cache (at most 10, keys cut to CACHE_KEY_CHARS): what restoring found, what saving did. */
function cachesSection(caches: readonly CacheReport[] | undefined): string {
  if (!caches || caches.length === 0) return "";
  const key = (text: string) => escapeMarkdown(truncateChars(text, CACHE_KEY_CHARS, "…"));
  const rows = caches.map((cache) => {
    const { restore, save } = cache;
    const found = restore.match === "hit" ? "hit" : restore.match === "partial" ? `partial from ${key(restore.restoredKey ?? "")}` : "miss";
    const size = restore.sizeBytes === undefined ? "—" : formatCacheSize(restore.sizeBytes);
    const saved = !save
      ? restore.match === "hit" ? "not needed (hit)" : "not saved (the pipeline did not succeed)"
      : save.outcome === "saved"
        ? `saved, ${formatCacheSize(save.sizeBytes ?? 0)} in ${formatDuration(save.durationMs)}`
        : `${save.outcome === "failed" ? "⚠ failed" : "not saved"}: ${escapeMarkdown(truncateChars((save.reason ?? "").replace(/\s+/g, " "), CACHE_KEY_CHARS, "…"))}`;
    return `| ${key(cache.key)} | ${found} | ${size} | ${formatDuration(restore.durationMs)} | ${saved} |`;
  });
  return ["#### Caches", "", "| Key | Restore | Size | Time | Save |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
}

function stepsSection(report: RunReport): string {
  if (report.steps.length === 0) return "";
  const rows = report.steps.slice(0, STEPS_SHOWN).map(stepRow);
  const more = report.steps.length - STEPS_SHOWN;
  if (more > 0) rows.push(`| …and ${more} more ${more === 1 ? "step" : "steps"} | | | |`);
  return ["#### Steps", "", "| Step | Result | Exit code | Duration |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

function stepRow(step: StepResult): string {
  const name = escapeMarkdown(truncateChars(step.name, NAME_CHARS, "…"));
  const exitCode = step.exitCode === null ? "—" : String(step.exitCode);
  const duration = step.durationMs === null ? "—" : formatDuration(step.durationMs);
  return `| ${name} | ${RESULT_LABELS[step.conclusion]} | ${exitCode} | ${duration} |`;
}

/**
 * Counts per level, what was left out over the cap, and the annotations GitHub cannot show on a file of the
 * commit (no file, or one outside the repository), listed since they would be lost otherwise; within `maxBytes`,
 * listing fewer (and saying so) when room is short, or nothing at all.
 */
function annotationsSection(report: RunReport, maxBytes: number): string {
  const annotations = report.annotations ?? [];
  if (annotations.length === 0 && (report.omittedAnnotations ?? 0) <= 0) return "";
  const sorted = sortAnnotations(annotations, report.omittedAnnotations ?? 0);
  const kept = sorted.onFiles.length + sorted.elsewhere.length;
  const counts = LEVELS.filter((level) => sorted.counts[level] > 0).map((level) => plural(sorted.counts[level], level));
  const paragraphs = ["#### Annotations"];
  if (kept > 0) {
    const elsewhere = sorted.elsewhere.length;
    const notShown = elsewhere === 0 ? "" : `, ${count(elsewhere)} not on a file of this commit, so GitHub cannot show ${elsewhere === 1 ? "it" : "them"} there (listed below)`;
    paragraphs.push(`${counts.join(", ")}: ${count(sorted.onFiles.length)} shown on the files they name${notShown}.`);
  }
  if (sorted.omitted > 0) paragraphs.push(`${plural(sorted.omitted, kept > 0 ? "more annotation" : "annotation")} left out: a run keeps at most ${count(MAX_ANNOTATIONS)}.`);
  const section = paragraphs.join(SEPARATOR);
  if (utf8Length(section) > maxBytes) return "";
  if (sorted.elsewhere.length === 0) return section;
  const table = ["| Level | Where | Message |", "| --- | --- | --- |"];
  const head = `${section}${SEPARATOR}${table.join("\n")}`;
  const rows: string[] = [];
  const listed = sorted.elsewhere.slice(0, ANNOTATIONS_LISTED);
  for (const [index, annotation] of listed.entries()) {
    const row = elsewhereRow(annotation);
    const rest = sorted.elsewhere.length - index - 1;
    const more = rest > 0 ? `\n${moreRow(rest)}` : "";
    // room for this row and for saying how many are not listed after it
    if (utf8Length(head) + utf8Length(rows.join("")) + utf8Length(row) + 1 + utf8Length(more) > maxBytes) break;
    rows.push(`\n${row}`);
  }
  if (rows.length === 0) return section.replace(" (listed below)", "");
  const unlisted = sorted.elsewhere.length - rows.length;
  return `${head}${rows.join("")}${unlisted > 0 ? `\n${moreRow(unlisted)}` : ""}`;
}

function elsewhereRow(annotation: Annotation): string {
  const where = oneLine(locationOf(annotation));
  // the start is enough for one line, and a record from elsewhere is not walked whole
  const message = oneLine(toPlainText(annotation.message.slice(0, 10 * ANNOTATION_TEXT_CHARS))) || "—";
  return `| ${levelOf(annotation)} | ${where === "" ? "—" : where} | ${message} |`;
}

/** Where the output said it was, as it said it: `path:line:column`, or the part of that it gave. */
function locationOf(annotation: Annotation): string {
  const position = [annotation.line, annotation.column].filter((n): n is number => n !== undefined && Number.isInteger(n) && n >= 1);
  if (annotation.path === "") return position.length === 0 ? "" : `line ${position.join(":")}`;
  return [annotation.path, ...position].join(":");
}

// untrusted text on one line of a table cell: bounded, then escaped
function oneLine(text: string): string {
  return escapeMarkdown(truncateChars(text.replace(/\s+/g, " ").trim(), ANNOTATION_TEXT_CHARS, "…"));
}

function moreRow(n: number): string {
  return `| | …and ${count(n)} more not listed | |`;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

function plural(n: number, noun: string): string {
  return `${count(n)} ${n === 1 ? noun : `${noun}s`}`;
}

const RESULT_LABELS: Record<Conclusion, string> = {
  success: "✔ success",
  failure: "✖ failure",
  timed_out: "⏱ timed out",
  cancelled: "cancelled",
  skipped: "skipped",
};

// `output.text` is rendered as Markdown too, so the log goes in a code block to show up as plain text.
function textOf(logTail: string): string {
  return logTail === "" ? "" : fencedWithin(logTail, OUTPUT_LIMIT);
}

/** A code block of the end of `text` (cut at a line start) within `maxBytes`, or "" when nothing fits. */
function fencedWithin(text: string, maxBytes: number): string {
  // Cutting can only shorten backtick runs, so the full text's fence bounds the block's overhead.
  const overhead = codeFence(text).length - text.length;
  const body = tailWithinBytes(text, maxBytes - overhead);
  if (body === "") return "";
  const block = codeFence(body);
  return utf8Length(block) <= maxBytes ? block : "";
}
