import { close, fstat, open, read, rmSync, write, type Stats } from "node:fs";
import { rename, writeFile } from "node:fs/promises";
import { posix } from "node:path";
import { promisify } from "node:util";
import { MAX_GROUPS, type GroupSpan, type LogScan, type StepSpan } from "../../runs/log-scan.js";
import type { Annotation, Conclusion } from "../../runs/run-types.js";
import { collectAnnotations } from "./collect-annotations.js";
import { createMasker, type Masker } from "../execution/masking/create-masker.js";
import type { RepositoryFiles } from "./list-repository-files.js";
import type { Findings, LogProcessor } from "./log-processor.js";

const openAsync = promisify(open);
const closeAsync = promisify(close);
const fstatAsync = promisify(fstat) as (fd: number) => Promise<Stats>;
const readAsync = promisify(read);
const writeAsync = promisify(write) as (fd: number, buffer: Buffer, offset: number, length: number, position: number | null) => Promise<unknown>;

/** How often the log is read while nothing else asks for it. */
export const SCAN_INTERVAL_MS = 200;
/** Bytes read and handed to the processor at a time: what the scanner holds of the log at once. */
const CHUNK_BYTES = 256 * 1024;

export interface LogScanOptions {
  runId: string;
  attempt: number;
  /** The attempt's log (logPath), already created by its writer; read, and written only to mask ranges. */
  logPath: string;
  /** Where the LogScan is published (scanPath) and the line index appended (lineIndexPath). */
  scanPath: string;
  lineIndexPath: string;
  processor: LogProcessor;
  intervalMs?: number;
}

export interface LogScanResult {
  /** Deduplicated, at most MAX_ANNOTATIONS, `inRepository: false` on those whose file is not in the commit. */
  annotations: Annotation[];
  omittedAnnotations: number;
  /** Values `::add-mask::` added, for masking what else the steps hand back (their summaries). */
  masks: readonly string[];
}

export interface LogScanner {
  /**
   * gantry has just written step `index`'s header line, starting at byte `headerByte` of the log (call at once,
   * in the same turn as the write: what is read of the log stops there until the step is recorded).
   */
  stepStarted(step: { index: number; name: string; headerByte: number }): void;
  stepEnded(step: { index: number; conclusion: Conclusion; durationMs: number | null }): void;
  /** The commit's files, from the fresh checkout: annotations on other paths get `inRepository: false`. */
  repositoryFiles(files: RepositoryFiles | null): void;
  /** Resolves once everything written so far is read (e.g. so that `masks` covers a step that just ended); never rejects. */
  caughtUp(): Promise<void>;
  readonly masks: readonly string[];
  /** The log is finished: reads it to its end, publishes the scan as complete and stops. Rejects when the scan failed (I/O, the processor). */
  finish(): Promise<LogScanResult>;
}

/**
 * Follows one attempt's log while its run goes on: reads what was appended every `intervalMs` (and whenever a
 * step starts), hands it to the processor, overwrites `::add-mask::` values in the file, appends to the line
 * index and publishes a LogScan (temp file + rename: a reader never sees half of one) up to the last whole line,
 * only once those bytes are masked.
 */
export function startLogScan(options: LogScanOptions): LogScanner {
  const { processor } = options;
  const collector = collectAnnotations();
  const steps: StepSpan[] = [];
  const groups: GroupSpan[] = [];
  // indices into `groups` of the open ones, innermost last; -1 for one past MAX_GROUPS
  const openGroups: number[] = [];
  // header offsets of steps started but not yet recorded: nothing at or past the first is handed on before it is
  const fences: number[] = [];
  let files: RepositoryFiles | null = null;
  let position = 0;
  let published = -1;
  // a step began or ended since the last publication
  let dirty = false;
  let failure: unknown = null;
  let finished: Promise<LogScanResult> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let publishedAt = performance.now();
  const interval = options.intervalMs ?? SCAN_INTERVAL_MS;

  // a scan left by this attempt number before (a run put back by a shutdown starts its log again) is not this one's
  rmSync(options.scanPath, { force: true });
  const opened = [openAsync(options.logPath, "r+"), openAsync(options.lineIndexPath, "w")] as const;
  const handles = Promise.all(opened);
  let chain: Promise<unknown> = handles.catch((error: unknown) => void (failure ??= error));
  const enqueue = <T>(op: () => Promise<T>): Promise<T> => {
    const next = chain.then(async () => {
      if (failure === null) return op();
      return undefined as T;
    });
    chain = next.catch((error: unknown) => void (failure ??= error));
    return next;
  };

  /** Hands the processor what lies between `position` and `limit` (the file's end, or the first fence). */
  const drain = async (limit = Number.POSITIVE_INFINITY): Promise<void> => {
    const [log] = await handles;
    const size = (await fstatAsync(log)).size;
    let end = Math.min(size, limit, fences[0] ?? Number.POSITIVE_INFINITY);
    while (position < end) {
      // a fresh buffer each time: the processor may hold on to an unfinished line's bytes
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, end - position));
      const { bytesRead } = await readAsync(log, buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      await apply(processor.push(bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead)));
      end = Math.min(end, fences[0] ?? Number.POSITIVE_INFINITY);
      // far behind a fast step, readers still see it advance every interval
      if (performance.now() - publishedAt >= interval) await publish(false);
    }
  };

  const apply = async (findings: Findings): Promise<void> => {
    const [log, index] = await handles;
    for (const { offset, length } of findings.redactions) {
      if (length > 0) await writeAsync(log, Buffer.alloc(length, "*"), 0, length, offset);
    }
    if (findings.lineStarts.length > 0) {
      const entries = Buffer.alloc(8 * findings.lineStarts.length);
      findings.lineStarts.forEach((start, i) => entries.writeBigUInt64LE(BigInt(start), 8 * i));
      await writeAsync(index, entries, 0, entries.length, null);
    }
    // texts read out of lines whose `::add-mask::` values are only now overwritten in the file
    const mask = maskText();
    for (const annotation of findings.annotations) collector.add(mask ? maskAnnotation(annotation, mask) : annotation);
    for (const event of findings.groups) {
      if (event.kind === "start") {
        if (groups.length < MAX_GROUPS) {
          groups.push({ title: mask ? mask(event.title) : event.title, startLine: event.line, endLine: null });
          openGroups.push(groups.length - 1);
        } else openGroups.push(-1);
      } else {
        const open = openGroups.pop();
        if (open !== undefined && open >= 0) groups[open]!.endLine = event.line;
      }
    }
  };

  let masker: { count: number; masker: Masker | null } = { count: 0, masker: null };
  const maskText = (): ((text: string) => string) | null => {
    if (processor.masks.length !== masker.count) masker = { count: processor.masks.length, masker: createMasker(processor.masks) };
    const current = masker.masker;
    return current ? (text) => current.mask(text) : null;
  };

  const annotations = (): Annotation[] => collector.kept.map((annotation) => withPlace(annotation, files));

  const publish = async (complete: boolean): Promise<void> => {
    if (!complete && !dirty && processor.completedBytes === published) return;
    published = processor.completedBytes;
    publishedAt = performance.now();
    dirty = false;
    const scan: LogScan = {
      runId: options.runId,
      attempt: options.attempt,
      bytes: processor.completedBytes,
      lines: processor.lines,
      complete,
      steps,
      groups,
      annotations: annotations(),
      omittedAnnotations: collector.omitted,
      firstErrorLine: collector.firstErrorLine,
      updatedAt: Date.now(),
    };
    const temp = `${options.scanPath}.tmp`;
    await writeFile(temp, JSON.stringify(scan));
    await rename(temp, options.scanPath);
  };

  const tick = () => {
    const next = () => {
      if (finished === null) timer = setTimeout(tick, interval);
    };
    // a failure is kept in `failure` (finish throws it); the ticks after it do nothing
    enqueue(async () => {
      await drain();
      await publish(false);
    }).then(next, next);
  };
  timer = setTimeout(tick, interval);

  return {
    stepStarted({ index, name, headerByte }) {
      fences.push(headerByte);
      void enqueue(async () => {
        await drain(headerByte);
        fences.shift();
        // the byte before a header is a newline gantry wrote, so every line before it is complete now
        const startLine = processor.lines + 1;
        const previous = steps.at(-1);
        if (previous) Object.assign(previous, { endLine: startLine - 1, endByte: headerByte });
        // a group left open ends with its step
        openGroups.length = 0;
        steps.push({ index, name, startLine, startByte: headerByte, endLine: null, endByte: null, conclusion: null, durationMs: null });
        processor.startStep(index);
        dirty = true;
        await publish(false);
      });
    },
    stepEnded({ index, conclusion, durationMs }) {
      void enqueue(async () => {
        const span = steps.find((step) => step.index === index);
        if (span) Object.assign(span, { conclusion, durationMs });
        dirty = true;
      });
    },
    repositoryFiles(list) {
      files = list;
    },
    // a scan that failed holds no step up: finish() says why
    caughtUp: () => enqueue(() => drain()).catch(() => {}),
    get masks() {
      return processor.masks;
    },
    finish() {
      finished ??= (async () => {
        clearTimeout(timer);
        await enqueue(async () => {
          await drain();
          await apply(processor.end());
          const last = steps.at(-1);
          if (last) Object.assign(last, { endLine: processor.lines, endByte: position });
          await publish(true);
        }).catch(() => {}); // kept in `failure`, thrown below once the files are closed
        await chain;
        for (const fd of await Promise.allSettled(opened)) if (fd.status === "fulfilled") await closeAsync(fd.value);
        if (failure !== null) throw failure;
        return { annotations: annotations(), omittedAnnotations: collector.omitted, masks: processor.masks };
      })();
      return finished;
    },
  };
}

function maskAnnotation(annotation: Annotation, mask: (text: string) => string): Annotation {
  return { ...annotation, path: mask(annotation.path), message: mask(annotation.message), ...(annotation.title === undefined ? {} : { title: mask(annotation.title) }) };
}

/** `inRepository: false` when the commit's file list is known and does not hold the path (or there is no path). */
function withPlace(annotation: Annotation, files: RepositoryFiles | null): Annotation {
  if (annotation.path === "") return { ...annotation, inRepository: false };
  if (files === null) return annotation;
  const path = posix.normalize(annotation.path).replace(/^\.\//, "");
  if (files.paths.has(path)) return annotation;
  return files.complete ? { ...annotation, inRepository: false } : annotation;
}
