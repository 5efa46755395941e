import { readFileSync } from "node:fs";
import type { PlannedPipeline } from "../../../src/planning/plan-types.js";
import { createLogProcessor } from "../../../src/worker/scanning/create-log-processor.js";
import type { Findings, LogProcessor } from "../../../src/worker/scanning/log-processor.js";

/** The workspace scripts/capture-tool-output.mjs compiled the sources in: absolute paths in the fixtures start with it. */
export const CAPTURE_WORKSPACE = "/tmp/gantry-capture/ws";

export function toolOutput(name: string): Buffer {
  return readFileSync(new URL(`../../fixtures/tool-output/${name}`, import.meta.url));
}

/** Everything a fresh processor finds in `log`, pushed in chunks of `chunk` bytes (all at once by default). */
export function scanLog(
  log: string | Buffer,
  options: { matchers?: PlannedPipeline["matchers"]; workspace?: string | null; chunk?: number } = {},
): Findings & { processor: LogProcessor } {
  const processor = createLogProcessor({ matchers: options.matchers, workspace: options.workspace ?? null });
  const bytes = typeof log === "string" ? Buffer.from(log) : log;
  const all: Findings = { annotations: [], groups: [], redactions: [], lineStarts: [] };
  const add = (findings: Findings) => {
    all.annotations.push(...findings.annotations);
    all.groups.push(...findings.groups);
    all.redactions.push(...findings.redactions);
    all.lineStarts.push(...findings.lineStarts);
  };
  const chunk = options.chunk ?? Math.max(1, bytes.length);
  for (let at = 0; at < bytes.length; at += chunk) add(processor.push(Buffer.from(bytes.subarray(at, at + chunk))));
  add(processor.end());
  return { ...all, processor };
}
