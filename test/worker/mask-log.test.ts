import { describe, expect, it } from "vitest";
import { createMasker } from "../../src/worker/execution/masking/create-masker.js";
import { maskLog } from "../../src/worker/mask-log.js";
import { memoryLog } from "../helpers/memory-log.js";

const SECRET = "s3cret-t0ken/value";

describe("maskLog", () => {
  it("masks a secret in messages, fields, nested fields, errors and a child's bindings", () => {
    const memory = memoryLog();
    const log = maskLog(memory.log, createMasker([SECRET])!);
    log.info(`calling with ${SECRET}`);
    log.warn({ url: `https://x/?t=${encodeURIComponent(SECRET)}`, nested: { list: [`a ${SECRET}`] } }, "nested");
    log.error({ err: new Error(`request failed: ${SECRET}`) }, "failed");
    log.child({ token: SECRET }).debug(`child ${Buffer.from(SECRET).toString("base64")}`);
    const lines = memory.lines();
    expect(lines).toHaveLength(4);
    for (const line of lines) {
      expect(line).not.toContain(SECRET);
      expect(line).not.toContain(encodeURIComponent(SECRET));
      expect(line).not.toContain(Buffer.from(SECRET).toString("base64").slice(0, 20));
    }
    expect(JSON.parse(lines[0]!).msg).toBe("calling with ***");
    expect(JSON.parse(lines[1]!).nested).toEqual({ list: ["a ***"] });
    expect(JSON.parse(lines[2]!).err.message).toBe("request failed: ***");
    expect(JSON.parse(lines[3]!).token).toBe("***");
  });

  it("leaves what holds no secret as it is, levels included", () => {
    const memory = memoryLog();
    const log = maskLog(memory.log, createMasker([SECRET])!);
    log.info({ count: 3, ok: true, none: null }, "plain");
    expect(JSON.parse(memory.lines()[0]!)).toMatchObject({ level: 30, msg: "plain", count: 3, ok: true, none: null });
    expect(log.level).toBe("debug");
  });
});
