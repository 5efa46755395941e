import type { RunRecord } from "../../../runs/run-types.js";
import { OPTIONAL_RUN_FIELDS, RUN_FIELD_DEFAULTS, RUN_FIELDS } from "./run-fields.js";

/** A run hash, as HGETALL's flat list, back into a RunRecord; `seq` orders runs created in the same millisecond. */
export function decodeRun(flat: readonly string[]): { run: RunRecord; seq: number } {
  const hash = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) hash.set(flat[i]!, flat[i + 1]!);
  const run: Record<string, unknown> = {};
  for (const field of RUN_FIELDS) {
    const json = hash.get(field);
    if (OPTIONAL_RUN_FIELDS.has(field)) {
      const value: unknown = json === undefined ? null : JSON.parse(json);
      if (value !== null) run[field] = value;
      continue;
    }
    if (json === undefined && Object.hasOwn(RUN_FIELD_DEFAULTS, field)) {
      run[field] = RUN_FIELD_DEFAULTS[field];
      continue;
    }
    if (json === undefined) throw new Error(`gantry: run hash "${hash.get("id") ?? "?"}" in Redis has no field ${field}`);
    run[field] = JSON.parse(json);
  }
  return { run: run as unknown as RunRecord, seq: Number(hash.get("_seq") ?? 0) };
}
