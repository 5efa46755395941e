import type { PlannedPipeline } from "../../planning/plan-types.js";
import type { Conclusion, StepRecord } from "../../runs/run-types.js";
import type { LogFile } from "./log-file.js";
import { runStep, type StepOutcome } from "./run-step.js";

export interface PipelineOutcome {
  conclusion: Conclusion;
  steps: StepRecord[];
  reason?: string;
  durationMs: number;
}

export interface ExecutePipelineOptions {
  pipeline: PlannedPipeline;
  cwd: string;
  env: Record<string, string>;
  log: LogFile;
  /** Epoch ms by which the whole pipeline must be done (it includes the checkout). */
  deadline: number;
  signal?: AbortSignal;
  /** Told when a step's process starts (its process group id) and when a step ends, for live progress. */
  onSpawn?: (pid: number) => void;
  onStepEnd?: (steps: StepRecord[]) => void;
}

/** Runs the steps in order; the first one that does not succeed ends the pipeline and the rest are skipped. */
export async function executePipeline(options: ExecutePipelineOptions): Promise<PipelineOutcome> {
  const started = Date.now();
  const { pipeline, log } = options;
  const steps: StepRecord[] = pipeline.steps.map((step) => ({
    name: step.name,
    conclusion: "skipped",
    exitCode: null,
    durationMs: null,
  }));
  for (const [index, step] of pipeline.steps.entries()) {
    const left = options.deadline - Date.now();
    const pipelineLimited = left <= step.timeoutMs;
    log.write(`\n==> ${step.name}\n`);
    const outcome = await runStep({
      command: step.run,
      cwd: options.cwd,
      env: options.env,
      logFd: log.fd,
      timeoutMs: Math.max(0, Math.min(step.timeoutMs, left)),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onSpawn ? { onSpawn: options.onSpawn } : {}),
    });
    const record = { ...steps[index]!, ...stepRecord(outcome) };
    steps[index] = record;
    options.onStepEnd?.(steps.slice(0, index + 1));
    if (record.conclusion !== "success") {
      const reason = explain(outcome, step.timeoutMs, pipelineLimited ? pipeline.timeoutMs : null);
      log.write(`\n==> ${step.name}: ${reason}\n`);
      return { conclusion: record.conclusion, steps, reason, durationMs: Date.now() - started };
    }
  }
  return { conclusion: "success", steps, durationMs: Date.now() - started };
}

function stepRecord(outcome: StepOutcome): Omit<StepRecord, "name"> {
  const conclusion: Conclusion = outcome.isCanceled
    ? "cancelled"
    : outcome.timedOut
      ? "timed_out"
      : outcome.exitCode === 0
        ? "success"
        : "failure";
  return { conclusion, exitCode: outcome.exitCode, durationMs: outcome.durationMs };
}

function explain(outcome: StepOutcome, stepLimitMs: number, pipelineLimitMs: number | null): string {
  if (outcome.isCanceled) return "cancelled";
  if (outcome.timedOut) {
    return pipelineLimitMs === null
      ? `timed out after ${formatLimit(stepLimitMs)} (the step's timeout)`
      : `timed out: the pipeline's timeout of ${formatLimit(pipelineLimitMs)} was reached`;
  }
  if (outcome.startError) return `could not start: ${outcome.startError}`;
  if (outcome.signal) return `killed by ${outcome.signal}`;
  return `exited with code ${outcome.exitCode}`;
}

function formatLimit(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}
