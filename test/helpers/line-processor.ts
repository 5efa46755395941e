import { LINE_INDEX_EVERY } from "../../src/runs/log-scan.js";
import type { Annotation } from "../../src/runs/run-types.js";
import type { Findings, LogProcessor } from "../../src/worker/scanning/log-processor.js";

/** A line longer than this is matched on its first this-many bytes only. */
const KEPT_LINE_BYTES = 64 * 1024;
const GCC = /^([^\s:][^:]*):(\d+):(\d+): (error|warning): (.*)$/;

/**
 * A stand-in for the real processor (createLogProcessor), for the scanner's tests and benchmark until that lands:
 * counts lines, reads `::error file=F,line=L::msg` / `::warning …` / `::group::T` / `::endgroup::` /
 * `::add-mask::V` lines and gcc-style `f:l:c: error: msg` lines, and records each `startStep` call.
 */
export function lineProcessor(): LogProcessor & { readonly stepsStarted: Array<{ index: number; lines: number; completedBytes: number }> } {
  let lines = 0;
  let completedBytes = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const masks: string[] = [];
  const maskBuffers: Buffer[] = [];
  const stepsStarted: Array<{ index: number; lines: number; completedBytes: number }> = [];

  const empty = (): Findings => ({ annotations: [], groups: [], redactions: [], lineStarts: [] });

  const line = (bytes: Buffer, length: number, findings: Findings): void => {
    const start = completedBytes;
    lines++;
    if ((lines - 1) % LINE_INDEX_EVERY === 0) findings.lineStarts.push(start);
    for (const mask of maskBuffers) {
      for (let at = bytes.indexOf(mask); at !== -1; at = bytes.indexOf(mask, at + mask.length)) findings.redactions.push({ offset: start + at, length: mask.length });
    }
    completedBytes += length;
    if (bytes[0] === 0x3a && bytes[1] === 0x3a) command(bytes.toString("utf8").replace(/\r?\n$/, ""), start, findings);
    else if (bytes.includes(": error: ") || bytes.includes(": warning: ")) {
      const match = GCC.exec(bytes.toString("utf8").replace(/\r?\n$/, ""));
      if (match) findings.annotations.push({ path: match[1]!, line: Number(match[2]), column: Number(match[3]), level: match[4] === "error" ? "failure" : "warning", message: match[5]!, source: "gcc", logLine: lines });
    }
  };

  const command = (text: string, start: number, findings: Findings): void => {
    const match = /^::(error|warning|notice|group|endgroup|add-mask)(?: ([^:]*))?::(.*)$/.exec(text);
    if (!match) return;
    const [, name, properties, value] = match as unknown as [string, string, string | undefined, string];
    if (name === "group") findings.groups.push({ kind: "start", title: value, line: lines });
    else if (name === "endgroup") findings.groups.push({ kind: "end", line: lines });
    else if (name === "add-mask") {
      if (value.length === 0) return;
      masks.push(value);
      maskBuffers.push(Buffer.from(value));
      findings.redactions.push({ offset: start + Buffer.byteLength(text) - Buffer.byteLength(value), length: Buffer.byteLength(value) });
    } else {
      const fields = Object.fromEntries((properties ?? "").split(",").filter(Boolean).map((pair) => pair.split("=", 2) as [string, string]));
      const annotation: Annotation = { path: fields["file"] ?? "", line: Number(fields["line"] ?? 0), message: value, source: "command", logLine: lines };
      if (fields["col"]) annotation.column = Number(fields["col"]);
      if (name !== "error") annotation.level = name as "warning" | "notice";
      if (fields["title"]) annotation.title = fields["title"];
      findings.annotations.push(annotation);
    }
  };

  const take = (tail: Buffer, findings: Findings): void => {
    const whole = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
    line(whole, pendingBytes + tail.length, findings);
    pending = [];
    pendingBytes = 0;
  };

  return {
    push(bytes) {
      const findings = empty();
      let from = 0;
      for (let newline = bytes.indexOf(0x0a); newline !== -1; newline = bytes.indexOf(0x0a, from)) {
        take(bytes.subarray(from, newline + 1), findings);
        from = newline + 1;
      }
      if (from < bytes.length) {
        const rest = bytes.subarray(from);
        // beyond what is matched, an unfinished line is only counted
        const kept = Math.max(0, Math.min(rest.length, KEPT_LINE_BYTES - pendingBytes));
        if (kept > 0) pending.push(Buffer.from(rest.subarray(0, kept)));
        pendingBytes += rest.length;
      }
      return findings;
    },
    end() {
      const findings = empty();
      if (pendingBytes > 0) take(Buffer.alloc(0), findings);
      return findings;
    },
    get lines() {
      return lines;
    },
    get completedBytes() {
      return completedBytes;
    },
    masks,
    startStep(index) {
      stepsStarted.push({ index, lines, completedBytes });
    },
    stepsStarted,
  };
}
