import { LINE_INDEX_EVERY } from "../../src/runs/log-scan.js";
import type { Annotation } from "../../src/runs/run-types.js";
import type { Findings, LogProcessor } from "../../src/worker/scanning/log-processor.js";

const GCC = /^([^\s:][^:]*):(\d+):(\d+): (error|warning): (.*)$/;
const NEEDLES = [": error: ", ": warning: "].map((needle) => Buffer.from(needle));

/**
 * A stand-in for the real processor (createLogProcessor), for the scanner's tests (benchmark 8 uses the real one):
 * counts lines, reads `::error file=F,line=L::msg` / `::warning …` / `::group::T` / `::endgroup::` /
 * `::add-mask::V` lines and gcc-style `f:l:c: error: msg` lines, and records each `startStep` call. Like the real
 * one it looks at each line only where a chunk-wide search says there may be something.
 */
export function lineProcessor(): LogProcessor & { readonly stepsStarted: Array<{ index: number; lines: number; completedBytes: number }> } {
  let lines = 0;
  let completedBytes = 0;
  // the unfinished last line (a test double: kept whole, however long)
  let pending: Buffer = Buffer.alloc(0);
  const masks: string[] = [];
  const maskBuffers: Buffer[] = [];
  const stepsStarted: Array<{ index: number; lines: number; completedBytes: number }> = [];

  /** The complete lines of `data` (starting at log offset `base`) up to `end`, the byte after the last newline. */
  const lines_ = (data: Buffer, base: number, end: number, findings: Findings): void => {
    // places worth a look, found once for the whole chunk
    const hits = NEEDLES.flatMap((needle) => all(data, needle, end)).sort((a, b) => a - b);
    let hit = 0;
    for (const mask of maskBuffers) for (const at of all(data, mask, end)) findings.redactions.push({ offset: base + at, length: mask.length });
    let start = 0;
    while (start < end) {
      const newline = data.indexOf(0x0a, start);
      lines++;
      if ((lines - 1) % LINE_INDEX_EVERY === 0) findings.lineStarts.push(base + start);
      if (data[start] === 0x3a && data[start + 1] === 0x3a) {
        const known = maskBuffers.length;
        command(data.toString("utf8", start, newline).replace(/\r$/, ""), base + start, findings);
        // a value masked from the next line on, in the rest of this chunk too
        for (const mask of maskBuffers.slice(known)) for (const at of all(data, mask, end, newline + 1)) findings.redactions.push({ offset: base + at, length: mask.length });
      } else {
        while (hit < hits.length && hits[hit]! < start) hit++;
        if (hit < hits.length && hits[hit]! < newline) {
          const match = GCC.exec(data.toString("utf8", start, newline).replace(/\r$/, ""));
          if (match) findings.annotations.push({ path: match[1]!, line: Number(match[2]), column: Number(match[3]), level: match[4] === "error" ? "failure" : "warning", message: match[5]!, source: "gcc", logLine: lines });
        }
      }
      start = newline + 1;
    }
    completedBytes = base + end;
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

  const findings = (): Findings => ({ annotations: [], groups: [], redactions: [], lineStarts: [] });

  return {
    push(bytes) {
      const found = findings();
      const last = bytes.lastIndexOf(0x0a);
      if (last === -1) {
        pending = Buffer.concat([pending, bytes]);
        return found;
      }
      const data = pending.length > 0 ? Buffer.concat([pending, bytes]) : bytes;
      lines_(data, completedBytes, pending.length + last + 1, found);
      pending = Buffer.from(bytes.subarray(last + 1));
      return found;
    },
    end() {
      const found = findings();
      if (pending.length > 0) {
        // the unfinished last line, as if a newline ended it; that newline is not the log's
        lines_(Buffer.concat([pending, Buffer.from("\n")]), completedBytes, pending.length + 1, found);
        completedBytes -= 1;
        pending = Buffer.alloc(0);
      }
      return found;
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

/** Offsets of `needle` in `data` before `end`. */
function all(data: Buffer, needle: Buffer, end: number, from = 0): number[] {
  const found: number[] = [];
  for (let at = data.indexOf(needle, from); at !== -1 && at < end; at = data.indexOf(needle, at + needle.length)) found.push(at);
  return found;
}
