import { describe, expect, it } from "vitest";
import { WorkLoop } from "../../src/loop/work-loop.js";
import { memoryLog } from "../helpers/memory-log.js";

describe("WorkLoop", () => {
  it("handles claimed items at most `batch` at a time, in the given order, until drained", async () => {
    const waiting = Array.from({ length: 10 }, (_, i) => `item-${i}`);
    const handled: string[] = [];
    let inHand = 0;
    let peak = 0;
    const loop = new WorkLoop<string>({
      name: "test loop",
      batch: 3,
      claim: async (free) => waiting.splice(0, free),
      key: (item) => item,
      order: (items) => [...items].reverse(),
      handle: async (item) => {
        inHand++;
        peak = Math.max(peak, inHand);
        await new Promise((r) => setTimeout(r, 5));
        handled.push(item);
        inHand--;
      },
      log: memoryLog().log,
    });
    loop.wake();
    await loop.drain(5_000);
    expect(peak).toBe(3);
    expect(handled.slice(0, 3)).toEqual(["item-2", "item-1", "item-0"]);
    expect([...handled].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `item-${i}`).sort());
    await loop.stop();
  });

  it("logs a failing claim and keeps going; takes nothing after stop", async () => {
    const memory = memoryLog();
    let calls = 0;
    const loop = new WorkLoop<string>({
      name: "flaky loop",
      batch: 1,
      claim: async () => {
        calls++;
        if (calls === 1) throw new Error("store unreachable");
        return calls === 2 ? ["x"] : [];
      },
      key: (item) => item,
      handle: async () => {},
      log: memory.log,
    });
    loop.start(10);
    await new Promise((r) => setTimeout(r, 100));
    await loop.stop();
    const after = calls;
    expect(memory.lines().some((l) => l.includes("flaky loop failed") && l.includes("store unreachable"))).toBe(true);
    expect(after).toBeGreaterThan(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(after);
  });
});
