import { readFileSync, statSync } from "node:fs";
import { lineIndexPath, logPath, scanPath } from "../src/runs/log-path.js";
import type { LogScan } from "../src/runs/log-scan.js";
import { LogFile } from "../src/worker/execution/log-file.js";
import { runProcess } from "../src/worker/execution/run-step.js";
import { startLogScan } from "../src/worker/scanning/start-log-scan.js";
import type { LogProcessor } from "../src/worker/scanning/log-processor.js";
import { logProcessorFor } from "../src/worker/scanning/log-processor-for.js";
import type { PlannedPipeline } from "../src/planning/plan-types.js";

/**
 * One scanned run in a process of its own, so that its peak RSS is gantry's path: the step's command writes to
 * the attempt's log descriptor (runProcess, as a step without secrets does) while the scanner follows the file,
 * then the scanner reads it to its end. The command comes in the environment; the data dir is the argument.
 * Prints one JSON line.
 */
const { command, floor } = JSON.parse(process.env["MATCH_BENCH"] ?? "{}") as { command: string; floor?: boolean };
const dataDir = process.argv[2]!;
const runId = "bench";
const log = new LogFile(logPath(dataDir, runId, 1));
// what the worker hands the scanner (run-pipeline.ts): logProcessorFor with the run's pipeline and workspace; a
// pipeline whose config says nothing about matchers gets every built-in and no custom one
const pipeline: PlannedPipeline = { name: "bench", action: "run", needs: [], cancelSuperseded: false, environment: null, concurrency: null, timeoutMs: 600_000, env: {}, steps: [{ name: "Print", run: command, timeoutMs: 600_000 }] };
const processor = floor ? lineEnds() : logProcessorFor({ pipeline, workspace: process.cwd() });
const started = performance.now();
const scanner = startLogScan({ runId, attempt: 1, logPath: log.path, scanPath: scanPath(dataDir, runId, 1), lineIndexPath: lineIndexPath(dataDir, runId, 1), processor });
const header = "==> Print\n";
log.write(header);
scanner.stepStarted({ index: 0, name: "Print", headerByte: 0 });
const outcome = await runProcess({ file: "sh", args: ["-c", command], cwd: process.cwd(), env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin" }, logFd: log.fd, timeoutMs: 10 * 60_000 });
const stepMs = performance.now() - started;
scanner.stepEnded({ index: 0, conclusion: outcome.exitCode === 0 ? "success" : "failure", durationMs: outcome.durationMs });
log.close();
const result = await scanner.finish();
const ms = performance.now() - started;
const cpu = process.cpuUsage();
const scan = JSON.parse(readFileSync(scanPath(dataDir, runId, 1), "utf8")) as LogScan;
const hwmKb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"))?.[1]);
process.stdout.write(
  JSON.stringify({
    processor: floor ? "line ends only (the scanner's own cost)" : "logProcessorFor (src/worker/scanning/log-processor-for.ts), built-in matchers",
    ms,
    stepMs,
    exitCode: outcome.exitCode,
    logBytes: statSync(log.path).size,
    scannedBytes: scan.bytes,
    lines: scan.lines,
    complete: scan.complete,
    indexEntries: statSync(lineIndexPath(dataDir, runId, 1)).size / 8,
    annotations: result.annotations.length,
    omittedAnnotations: result.omittedAnnotations,
    hwmBytes: hwmKb * 1024,
    cpuMs: (cpu.user + cpu.system) / 1000,
  }) + "\n",
);

/** The least a processor does: where the last complete line ends (no line count, no matching): what the scanner's reading, writing and publishing cost alone. */
function lineEnds(): LogProcessor {
  let read = 0;
  let completedBytes = 0;
  const none = () => ({ annotations: [], groups: [], redactions: [], lineStarts: [] });
  return {
    push(bytes) {
      const last = bytes.lastIndexOf(0x0a);
      read += bytes.length;
      if (last !== -1) completedBytes = read - bytes.length + last + 1;
      return none();
    },
    end() {
      completedBytes = read;
      return none();
    },
    lines: 0,
    get completedBytes() {
      return completedBytes;
    },
    masks: [],
    startStep() {},
  };
}
