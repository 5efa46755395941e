import { describe, expect, it } from "vitest";
import { LINE_INDEX_EVERY } from "../../../src/runs/log-scan.js";
import { createLogProcessor } from "../../../src/worker/scanning/create-log-processor.js";
import { scanLog } from "./scan-log.js";

/** The log as a reader sees it after the scanner overwrote the redactions. */
function redacted(log: string, redactions: Array<{ offset: number; length: number }>): string {
  const bytes = Buffer.from(log);
  for (const { offset, length } of redactions) bytes.fill("*", offset, offset + length);
  return bytes.toString();
}

describe("createLogProcessor: lines", () => {
  it("counts lines and completed bytes; an unfinished line waits for end()", () => {
    const processor = createLogProcessor({ matchers: undefined, workspace: null });
    processor.push(Buffer.from("one\ntw"));
    expect([processor.lines, processor.completedBytes]).toEqual([1, 4]);
    processor.push(Buffer.from("o\r\n\nthree"));
    expect([processor.lines, processor.completedBytes]).toEqual([3, 10]);
    expect(processor.end().lineStarts).toEqual([]);
    expect([processor.lines, processor.completedBytes]).toEqual([4, 15]);
  });

  it("has no line for an empty log, and line 1 for a log without a newline", () => {
    expect(scanLog("").processor.lines).toBe(0);
    expect(scanLog("").lineStarts).toEqual([]);
    const single = scanLog("::error::no newline");
    expect([single.processor.lines, single.lineStarts, single.annotations[0]?.logLine]).toEqual([1, [0], 1]);
  });

  it("reports the offsets of lines 1, 1 + LINE_INDEX_EVERY, … however the bytes arrive", () => {
    const lines = Array.from({ length: 3 * LINE_INDEX_EVERY + 5 }, (_, i) => `line ${i + 1}`);
    const log = `${lines.join("\n")}\n`;
    const expected = [0, 1, 2, 3].map((block) => Buffer.byteLength(lines.slice(0, block * LINE_INDEX_EVERY).map((line) => `${line}\n`).join("")));
    for (const chunk of [1, 7, 4096, log.length]) {
      const { lineStarts, processor } = scanLog(log, { chunk });
      expect(lineStarts).toEqual(expected);
      expect(processor.lines).toBe(lines.length);
    }
  });
});

describe("createLogProcessor: ::add-mask::", () => {
  const secret = "s3cr3t-V4lue";

  it.each([1, 3, 5, 11, 1_000_000])("redacts the value in its own line and every later occurrence (pushes of %i bytes)", (chunk) => {
    const log = [`early ${secret} stays`, `::add-mask::${secret}`, `token=${secret}; again ${secret}${secret}`, `base64: ${Buffer.from(secret).toString("base64")}`, `tail ${secret}`].join("\n");
    const { redactions, processor } = scanLog(log, { chunk });
    const seen = redacted(log, redactions);
    expect(seen.split("\n")).toEqual([
      `early ${secret} stays`,
      `::add-mask::${"*".repeat(secret.length)}`,
      `token=${"*".repeat(secret.length)}; again ${"*".repeat(2 * secret.length)}`,
      `base64: ${"*".repeat(16)}`,
      `tail ${"*".repeat(secret.length)}`,
    ]);
    expect(processor.masks).toEqual([secret]);
  });

  it("finds a value split across two pushes inside a line longer than what is kept of it", () => {
    const processor = createLogProcessor({ matchers: undefined, workspace: null });
    const found: Array<{ offset: number; length: number }> = [];
    found.push(...processor.push(Buffer.from(`::add-mask::${secret}\n`)).redactions);
    const before = Buffer.byteLength(`::add-mask::${secret}\n`);
    const filler = "x".repeat(100 * 1024);
    found.push(...processor.push(Buffer.from(`${filler}${secret.slice(0, 5)}`)).redactions);
    found.push(...processor.push(Buffer.from(`${secret.slice(5)} end\n`)).redactions);
    expect(found).toEqual([
      { offset: "::add-mask::".length, length: secret.length },
      { offset: before + filler.length, length: secret.length },
    ]);
  });

  it("masks each line of a multi-line value, and undoes the message escapes", () => {
    const log = ["::add-mask::first-line%0Asecond-line 100%25", "first-line then second-line 100% done", ""].join("\n");
    const { redactions, processor } = scanLog(log);
    expect(redacted(log, redactions).split("\n")[1]).toBe(`${"*".repeat(10)} then ${"*".repeat(16)} done`);
    expect(processor.masks).toEqual(["first-line\nsecond-line 100%"]);
  });

  it("ignores values shorter than 4 bytes (as the secrets masker does) but still hides them in their own line", () => {
    const log = "::add-mask::abc\nabc is everywhere\n";
    const { redactions, processor } = scanLog(log);
    expect(redacted(log, redactions)).toBe("::add-mask::***\nabc is everywhere\n");
    expect(processor.masks).toEqual([]);
  });

  it("hides the value of an add-mask line the log ends with, without a newline", () => {
    const log = `x\n::add-mask::${secret}`;
    expect(redacted(log, scanLog(log, { chunk: 4 }).redactions)).toBe(`x\n::add-mask::${"*".repeat(secret.length)}`);
  });

  it("keeps masks across steps", () => {
    const processor = createLogProcessor({ matchers: undefined, workspace: null });
    processor.push(Buffer.from(`::add-mask::${secret}\n`));
    processor.startStep(1);
    expect(processor.push(Buffer.from(`==> step\n${secret}\n`)).redactions).toHaveLength(1);
  });

  it("stays fast with many masks and never matches across lines", () => {
    const values = Array.from({ length: 200 }, (_, i) => `value-${i}-${"k".repeat(8)}`);
    const log = `${values.map((value) => `::add-mask::${value}`).join("\n")}\n${values.join("\n")}\nvalue-1\n-kkkkkkkk\n`;
    const { redactions, processor } = scanLog(log, { chunk: 4096 });
    const after = redacted(log, redactions).split("\n").slice(200);
    expect(after.slice(0, 200).every((line) => /^\*+$/.test(line))).toBe(true);
    expect(after.slice(200)).toEqual(["value-1", "-kkkkkkkk", ""]);
    expect(processor.masks).toHaveLength(200);
  });
});
