import { describe, expect, it } from "vitest";
import { createPayloadMemory } from "../../src/dispatch/create-payload-memory.js";

const entry = (id: string, receivedAt: number, bytes = 10) => ({ id, payload: { id }, bytes, receivedAt });

describe("createPayloadMemory", () => {
  it("gives a kept payload once, and nothing for one never kept", () => {
    const memory = createPayloadMemory({ maxCount: 10, maxBytes: 1_000 });
    memory.keep(entry("a", 1));
    expect(memory.take("a")).toEqual({ id: "a" });
    expect(memory.take("a")).toBeUndefined();
    expect(memory.take("never")).toBeUndefined();
    expect([memory.size, memory.bytes]).toEqual([0, 0]);
  });

  it("past its count or its bytes, leaves the newest unkept", () => {
    const byCount = createPayloadMemory({ maxCount: 2, maxBytes: 1_000 });
    for (const id of ["a", "b", "c"]) byCount.keep(entry(id, 1));
    expect(["a", "b", "c"].map((id) => byCount.take(id) !== undefined)).toEqual([true, true, false]);

    const byBytes = createPayloadMemory({ maxCount: 100, maxBytes: 25 });
    byBytes.keep(entry("a", 1, 10));
    byBytes.keep(entry("big", 2, 20));
    byBytes.keep(entry("b", 3, 15));
    expect([byBytes.size, byBytes.bytes]).toEqual([2, 25]);
    expect(["a", "big", "b"].map((id) => byBytes.take(id) !== undefined)).toEqual([true, false, true]);
    // taken ones free their room
    byBytes.keep(entry("big", 4, 20));
    expect(byBytes.take("big")).toEqual({ id: "big" });
  });

  it("keeps the first payload of an id, counting it once", () => {
    const memory = createPayloadMemory({ maxCount: 10, maxBytes: 1_000 });
    memory.keep(entry("a", 1));
    memory.keep({ ...entry("a", 2), payload: "again" });
    expect([memory.size, memory.bytes, memory.take("a")]).toEqual([1, 10, { id: "a" }]);
  });

  it("drops what a claim passed over (older, not leased here: another node's), keeping the claimed and the newer", () => {
    const memory = createPayloadMemory({ maxCount: 10, maxBytes: 1_000 });
    for (const [id, at] of [["other", 1], ["mine", 2], ["tie", 3], ["newer", 4]] as const) memory.keep(entry(id, at));
    memory.claimed([]);
    expect(memory.size).toBe(4);
    memory.claimed([{ id: "mine", receivedAt: 2 }, { id: "same-ms", receivedAt: 3 }]);
    expect(memory.take("other")).toBeUndefined();
    expect(["mine", "tie", "newer"].map((id) => memory.take(id) !== undefined)).toEqual([true, true, true]);
  });
});
