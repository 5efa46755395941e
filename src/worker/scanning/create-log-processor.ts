import type { PlannedPipeline } from "../../planning/plan-types.js";
import { LINE_INDEX_EVERY } from "../../runs/log-scan.js";
import { lastRedraw, stripAnsi } from "../../runs/plain-text.js";
import type { Annotation, AnnotationLevel } from "../../runs/run-types.js";
import { createMatcher, type Matcher } from "../execution/masking/create-matcher.js";
import { maskForms, MIN_NEEDLE_BYTES } from "../execution/masking/mask-forms.js";
import { boundText } from "./bound-text.js";
import { compileMatchers } from "./compile-matchers.js";
import { createProblemMatcher, type ProblemMatcher } from "./create-problem-matcher.js";
import type { Findings, LogProcessor } from "./log-processor.js";
import { parseWorkflowCommand, type WorkflowCommand } from "./parse-workflow-command.js";
import { parsePositive as positive } from "./parse-positive.js";
import { relativeToWorkspace } from "./relative-to-workspace.js";
import { MAX_KEPT_LINE_BYTES, MAX_MASKS, MAX_MATCHED_LINE_CHARS, MAX_MESSAGE_CHARS, MAX_TITLE_CHARS } from "./scanning-limits.js";

export interface LogProcessorOptions {
  matchers: PlannedPipeline["matchers"];
  /** The checkout's absolute path as the steps see it: paths under it become relative. Null: none is stripped. */
  workspace: string | null;
}

/** Lines kept for multi-line matchers: a matcher has at most this many patterns (MAX_MATCHER_PATTERNS). */
const HISTORY = 10;
const EMPTY = Buffer.alloc(0);
const NEWLINE = 0x0a;
const COMMAND_LEVELS: Readonly<Record<string, AnnotationLevel>> = { error: "failure", warning: "warning", notice: "notice" };

/** Reads a log for annotations, groups and `::add-mask::` values; see LogProcessor. */
export function createLogProcessor(options: LogProcessorOptions): LogProcessor {
  return new Processor(createProblemMatcher(compileMatchers(options.matchers)), options.workspace);
}

/** A recent line: bytes [from, to) of `source`, and its plain text once a matcher asked for it. */
interface HistoryLine {
  source: Buffer;
  from: number;
  to: number;
  plain: string | null;
}
const NO_SETS: readonly number[] = [];

class Processor implements LogProcessor {
  lines = 0;
  completedBytes = 0;
  readonly masks: string[] = [];

  /** Bytes pushed so far. */
  private received = 0;
  /** The unfinished line's first MAX_KEPT_LINE_BYTES (copied: the caller may reuse its buffers). */
  private parts: Buffer[] = [];
  private kept = 0;
  private history: HistoryLine[] = [];
  private stopToken: string | null = null;
  private groupOpen = false;
  private findings: Findings = empty();

  private maskNeedles = new Set<string>();
  private maskMatcher: Matcher | null = null;
  private maskLongest = 0;
  /** The last bytes of the current line already searched for masks, so a value split across pushes is found. */
  private maskTail: Buffer = EMPTY;

  constructor(
    private readonly problems: ProblemMatcher,
    private readonly workspace: string | null,
  ) {}

  push(bytes: Buffer): Findings {
    const hits = this.problems.findTriggers(bytes);
    let hit = 0;
    let position = 0;
    while (position < bytes.length) {
      const newline = bytes.indexOf(NEWLINE, position);
      const end = newline === -1 ? bytes.length : newline;
      if (this.maskMatcher !== null) this.searchMasks(bytes.subarray(position, end), this.received + position, newline === -1);
      if (newline === -1) {
        this.keep(bytes.subarray(position, end), true);
        break;
      }
      if (this.parts.length === 0) {
        // the whole line is in this chunk: no copy, and its triggers are among the chunk's
        let triggered = NO_SETS;
        while (hit < hits.starts.length && hits.starts[hit]! < end) {
          if (hits.starts[hit]! >= position) triggered = [...triggered, hits.sets[hit]!];
          hit++;
        }
        this.completeLine(this.received + newline + 1, true, bytes, position, Math.min(end, position + MAX_KEPT_LINE_BYTES), triggered);
      } else {
        while (hit < hits.starts.length && hits.starts[hit]! < end) hit++;
        this.keep(bytes.subarray(position, end), false);
        const raw = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
        this.completeLine(this.received + newline + 1, true, raw, 0, raw.length, null);
      }
      position = newline + 1;
    }
    this.received += bytes.length;
    // history lines may still point into the caller's buffer
    for (const line of this.history) {
      if (line.source !== bytes) continue;
      line.source = Buffer.from(bytes.subarray(line.from, line.to));
      line.to -= line.from;
      line.from = 0;
    }
    return this.take();
  }

  end(): Findings {
    if (this.received > this.completedBytes) {
      const raw = Buffer.concat(this.parts);
      this.completeLine(this.received, false, raw, 0, raw.length, null);
    }
    return this.take();
  }

  startStep(): void {
    this.stopToken = null;
    if (this.groupOpen) this.findings.groups.push({ kind: "end", line: this.lines });
    this.groupOpen = false;
    this.history = [];
    this.problems.reset();
  }

  private take(): Findings {
    const findings = this.findings;
    this.findings = empty();
    return findings;
  }

  private keep(segment: Buffer, unfinished: boolean): void {
    if (this.kept >= MAX_KEPT_LINE_BYTES || segment.length === 0) return;
    const part = segment.subarray(0, MAX_KEPT_LINE_BYTES - this.kept);
    this.parts.push(unfinished ? Buffer.from(part) : part);
    this.kept += part.length;
  }

  /** The line from completedBytes to `next` (after its newline, or at the log's end without one) is complete. */
  private completeLine(next: number, newline: boolean, source: Buffer, from: number, to: number, triggered: readonly number[] | null): void {
    const start = this.completedBytes;
    // not a fresh array per line: a GiB of log is some ten million lines
    if (this.parts.length > 0) this.parts = [];
    this.kept = 0;
    this.maskTail = EMPTY;
    this.lines++;
    if ((this.lines - 1) % LINE_INDEX_EVERY === 0) this.findings.lineStarts.push(start);
    this.completedBytes = next;
    // the oldest entry is reused: no allocation per line
    const line = this.history.length < HISTORY ? { source, from, to, plain: null } : this.history.shift()!;
    line.source = source;
    line.from = from;
    line.to = to;
    line.plain = null;
    this.history.push(line);
    let at = from;
    while (at < to && (source[at] === 0x20 || source[at] === 0x09)) at++;
    if (source[at] === 0x3a && source[at + 1] === 0x3a && this.command(source.subarray(from, to), start, newline ? next - 1 : next)) return;
    if (!this.problems.everyLine && triggered !== null && triggered.length === 0) return;
    for (const annotation of this.problems.match(this.lines, source.subarray(from, to), this.previous, triggered)) {
      this.findings.annotations.push({ ...annotation, path: relativeToWorkspace(annotation.path, this.workspace) });
    }
  }

  private readonly previous = (back: number): string | null => this.plain(back);

  private plain(back: number): string | null {
    const line = this.history[this.history.length - 1 - back];
    if (line === undefined) return null;
    line.plain ??= lastRedraw(stripAnsi(line.source.toString("utf8", line.from, line.to))).slice(0, MAX_MATCHED_LINE_CHARS);
    return line.plain;
  }

  /** Handles the line if it is a workflow command; false when it is output like any other. */
  private command(raw: Buffer, start: number, end: number): boolean {
    let at = 0;
    while (at < raw.length && (raw[at] === 0x20 || raw[at] === 0x09)) at++;
    if (raw[at] !== 0x3a || raw[at + 1] !== 0x3a) return false;
    const text = raw.toString("utf8").replace(/\r+$/, "");
    if (this.stopToken !== null) {
      if (text.trim() !== `::${this.stopToken}::`) return false;
      this.stopToken = null;
      return true;
    }
    const command = parseWorkflowCommand(text);
    if (command === null) return false;
    switch (command.command) {
      case "error":
      case "warning":
      case "notice":
        this.findings.annotations.push(this.annotation(command, COMMAND_LEVELS[command.command]!));
        return true;
      case "group":
        if (this.groupOpen) this.findings.groups.push({ kind: "end", line: this.lines - 1 });
        this.findings.groups.push({ kind: "start", title: boundText(command.message.trim(), MAX_TITLE_CHARS), line: this.lines });
        this.groupOpen = true;
        return true;
      case "endgroup":
        if (this.groupOpen) this.findings.groups.push({ kind: "end", line: this.lines });
        this.groupOpen = false;
        return true;
      case "add-mask": {
        // the value as written in this line: from after the second `::` to the line's end
        const value = raw.indexOf("::", at + 2);
        if (start + value + 2 < end) this.redact(start + value + 2, end - (start + value + 2));
        this.addMask(command.message);
        return true;
      }
      case "stop-commands":
        if (command.message.trim() === "") return false;
        this.stopToken = command.message.trim();
        return true;
      case "debug":
        return true;
      default:
        return false;
    }
  }

  private annotation(command: WorkflowCommand, level: AnnotationLevel): Annotation {
    const property = (name: string) => command.properties.get(name)?.trim();
    const line = positive(property("line"));
    const endLine = positive(property("endLine"));
    const column = positive(property("col"));
    const endColumn = positive(property("endColumn"));
    const title = property("title");
    const annotation: Annotation = {
      path: relativeToWorkspace(property("file") ?? "", this.workspace),
      line: line ?? 0,
      level,
      message: boundText(command.message === "" ? command.command : command.message, MAX_MESSAGE_CHARS),
      source: "command",
      logLine: this.lines,
    };
    if (line !== undefined && endLine !== undefined && endLine >= line) annotation.endLine = endLine;
    if (line !== undefined && column !== undefined) annotation.column = column;
    if (column !== undefined && endColumn !== undefined && endColumn >= column) annotation.endColumn = endColumn;
    if (title !== undefined && title !== "") annotation.title = boundText(title, MAX_TITLE_CHARS);
    return annotation;
  }

  private addMask(value: string): void {
    // Shorter values are ignored, as by the secrets masker: masking "a" everywhere would wreck the log and hides no secret.
    if (Buffer.byteLength(value) < MIN_NEEDLE_BYTES || this.masks.includes(value) || this.masks.length >= MAX_MASKS) return;
    this.masks.push(value);
    // Masks are searched line by line; maskForms gives each line of a multi-line value on its own.
    for (const form of maskForms(value)) if (!form.includes("\n")) this.maskNeedles.add(form);
    const needles = [...this.maskNeedles].map((form) => Buffer.from(form));
    this.maskMatcher = createMatcher(needles);
    this.maskLongest = Math.max(...needles.map((needle) => needle.length));
  }

  /** Finds mask values in `segment` (bytes of one line, at log offset `offset`), with the line's earlier bytes. */
  private searchMasks(segment: Buffer, offset: number, unfinished: boolean): void {
    if (this.maskMatcher === null || segment.length === 0) return;
    const tail = this.maskTail;
    const data = tail.length === 0 ? segment : Buffer.concat([tail, segment]);
    this.maskMatcher(data, data.length, (start, end) => {
      // wholly in the tail: found by the search before
      if (end > tail.length) this.redact(offset - tail.length + start, end - start);
    });
    if (!unfinished) return;
    const keep = Math.min(this.maskLongest - 1, data.length);
    this.maskTail = Buffer.from(data.subarray(data.length - keep));
  }

  private redact(offset: number, length: number): void {
    const redactions = this.findings.redactions;
    const last = redactions[redactions.length - 1];
    if (last !== undefined && offset >= last.offset && offset <= last.offset + last.length) {
      last.length = Math.max(last.length, offset + length - last.offset);
      return;
    }
    redactions.push({ offset, length });
  }
}

function empty(): Findings {
  return { annotations: [], groups: [], redactions: [], lineStarts: [] };
}
