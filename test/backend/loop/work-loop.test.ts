import { describe, expect, it } from "vitest";
import { WorkLoop } from "../../../src/backend/loop/work-loop.js";
import { eventually } from "../../helpers/eventually.js";
import { memoryLog } from "../../helpers/memory-log.js";

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
      renew: async (keys) => keys,
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
      renew: async (keys) => keys,
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

  it("renews the leases of the items in hand for as long as they take, and no others", async () => {
    const memory = memoryLog();
    const renewals: Array<{ keys: string[]; leaseMs: number }> = [];
    const finish = new Map<string, () => void>();
    let waiting = ["slow", "stolen"];
    const loop = new WorkLoop<string>({
      name: "leasing loop",
      batch: 2,
      leaseMs: 90,
      claim: async () => waiting.splice(0),
      // another node took "stolen" over: this one stalled past its lease
      renew: async (keys, leaseMs) => {
        renewals.push({ keys, leaseMs });
        return keys.filter((key) => key !== "stolen");
      },
      key: (item) => item,
      handle: (item) => new Promise<void>((resolve) => finish.set(item, resolve)),
      log: memory.log,
    });
    loop.wake();
    await eventually("a few renewals", async () => renewals.length >= 4, 5_000);
    expect(renewals[0]).toEqual({ keys: ["slow", "stolen"], leaseMs: 90 });
    // a lost lease is said once and not renewed again; the item stays in hand until its handler ends
    expect(renewals.slice(1).every((r) => r.keys.join() === "slow")).toBe(true);
    expect(memory.lines().filter((l) => l.includes("lost the lease on stolen")).length).toBe(1);
    finish.get("slow")!();
    finish.get("stolen")!();
    await loop.drain(1_000);
    const count = renewals.length;
    await new Promise((r) => setTimeout(r, 200));
    expect(renewals.length).toBe(count);
    waiting = [];
    await loop.stop();
  });

  it("stops renewing an item whose handler hangs past maxHoldMs, so that another node can take it", async () => {
    const memory = memoryLog();
    const renewed: string[][] = [];
    let waiting = ["hung"];
    const loop = new WorkLoop<string>({
      name: "hung loop",
      batch: 1,
      leaseMs: 60,
      maxHoldMs: 200,
      claim: async () => waiting.splice(0),
      renew: async (keys) => (renewed.push(keys), keys),
      key: (item) => item,
      handle: () => new Promise<void>(() => {}),
      log: memory.log,
    });
    loop.wake();
    await eventually("the warning", async () => memory.lines().some((l) => l.includes("hung has been in hand for 0.2s")), 5_000);
    const count = renewed.length;
    expect(count).toBeGreaterThan(2);
    await new Promise((r) => setTimeout(r, 150));
    expect(renewed.length).toBe(count);
    waiting = [];
  });
});
