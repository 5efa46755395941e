import type { LogScan } from "../../runs/log-scan.js";
import type { AnnotationLevel, Conclusion, RunRecord, RunState } from "../../runs/run-types.js";

/** What the page shows of a run besides its log lines: sent in state events, and rendered into the page. */
export interface RunView {
  state: RunState;
  conclusion: Conclusion | null;
  reason: string | null;
  attempt: number;
  /** The run's latest attempt (1 until a worker took it): the page links every attempt up to it. */
  attempts: number;
  queuedMs: number | null;
  ranMs: number | null;
  /** From the scan when there is one, else from the run record (then without lines). */
  steps: Array<{ index: number; name: string; startLine: number | null; endLine: number | null; conclusion: Conclusion | null; durationMs: number | null }>;
  groups: Array<{ title: string; startLine: number; endLine: number | null }>;
  annotations: Array<{ index: number; level: AnnotationLevel; path: string; line: number; title: string | null; message: string; logLine: number | null }>;
  omittedAnnotations: number;
  firstErrorLine: number | null;
  /** The scanned part of the log: its lines and bytes; null when the log is not scanned (or not on this node). */
  scanned: { lines: number; bytes: number; complete: boolean } | null;
}

export function describeRunView(run: RunRecord, attempt: number, scan: LogScan | null, now: number): RunView {
  const latest = attempt === Math.max(1, run.attempt);
  const started = latest ? run.startedAt : null;
  const records = run.result?.steps ?? run.progress;
  return {
    state: latest ? run.state : "completed",
    conclusion: latest ? (run.result?.conclusion ?? null) : null,
    reason: latest ? (run.result?.reason ?? null) : null,
    attempt,
    attempts: Math.max(1, run.attempt),
    queuedMs: started !== null ? started - run.createdAt : null,
    ranMs: started !== null ? (run.completedAt ?? now) - started : null,
    steps: scan
      ? scan.steps.map((step) => ({ index: step.index, name: step.name, startLine: step.startLine, endLine: step.endLine, conclusion: step.conclusion, durationMs: step.durationMs }))
      : latest
        ? records.map((step, index) => ({ index, name: step.name, startLine: null, endLine: null, conclusion: step.conclusion, durationMs: step.durationMs }))
        : [],
    groups: scan ? scan.groups.map((group) => ({ title: group.title, startLine: group.startLine, endLine: group.endLine })) : [],
    annotations: (scan?.annotations ?? []).map((annotation, index) => ({
      index,
      level: annotation.level ?? "failure",
      path: annotation.path,
      line: annotation.line,
      title: annotation.title ?? null,
      message: annotation.message,
      logLine: annotation.logLine ?? null,
    })),
    omittedAnnotations: scan?.omittedAnnotations ?? 0,
    firstErrorLine: scan?.firstErrorLine ?? null,
    scanned: scan ? { lines: scan.lines, bytes: scan.bytes, complete: scan.complete } : null,
  };
}
