import { randomUUID } from "node:crypto";
import type { PlannedPipeline } from "../planning/plan-types.js";
import type { PushContext, RunRecord, RunResult } from "./run-types.js";

/**
 * A fresh run record. A skipped pipeline is born completed; one with needs waits; the rest are queued.
 * Version 1 against syncedVersion 0: the syncer creates its check run.
 */
export function newRun(deliveryId: string, push: PushContext, pipeline: PlannedPipeline, now = Date.now()): RunRecord {
  const skipped = pipeline.action === "skip";
  const result: RunResult | null = skipped
    ? { conclusion: "skipped", reason: pipeline.reason ?? "skipped", steps: [], durationMs: null }
    : null;
  return {
    id: randomUUID(),
    deliveryId,
    pipeline,
    push,
    state: skipped ? "completed" : pipeline.needs.length > 0 ? "waiting" : "queued",
    checkRunId: null,
    result,
    createdAt: now,
    startedAt: null,
    completedAt: skipped ? now : null,
    attempt: 0,
    nodeId: null,
    pid: null,
    cancelRequested: null,
    progress: [],
    createRequestedAt: null,
    version: 1,
    syncedVersion: 0,
    annotationsSent: 0,
  };
}

/** A run that is over before it started (a broken config, a need that failed): completed with `result`. */
export function completedRun(deliveryId: string, push: PushContext, pipeline: PlannedPipeline, result: RunResult, now = Date.now()): RunRecord {
  return { ...newRun(deliveryId, push, pipeline, now), state: "completed", result, completedAt: now };
}
