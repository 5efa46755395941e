import type { RunRecord } from "../../../runs/run-types.js";

/** The RunRecord fields a run hash holds, each as JSON, under its own name. */
export const RUN_FIELDS = [
  "id",
  "deliveryId",
  "pipeline",
  "push",
  "state",
  "checkRunId",
  "result",
  "createdAt",
  "startedAt",
  "completedAt",
  "attempt",
  "nodeId",
  "pid",
  "cancelRequested",
  "progress",
  "createRequestedAt",
  "version",
  "syncedVersion",
  "annotationsSent",
  "waiting",
] as const satisfies ReadonlyArray<keyof RunRecord>;

/** Fields added to RunRecord after runs were first stored: a hash written before has none, and reads as this. */
export const RUN_FIELD_DEFAULTS: Partial<Record<(typeof RUN_FIELDS)[number], unknown>> = { annotationsSent: 0 };

/** Optional RunRecord fields: a hash without one (or holding null, what a patch clears it with) reads as a run without it. */
export const OPTIONAL_RUN_FIELDS: ReadonlySet<(typeof RUN_FIELDS)[number]> = new Set(["waiting"]);

// a field added to RunRecord but not here would silently not be stored
type Forgotten = Exclude<keyof RunRecord, (typeof RUN_FIELDS)[number]>;
const allStored: [Forgotten] extends [never] ? true : Forgotten = true;
void allStored;
