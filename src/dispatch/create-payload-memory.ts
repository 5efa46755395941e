/** A delivery the ack path has just recorded, with the payload it already parsed to verify it. */
export interface RecordedPayload {
  id: string;
  payload: unknown;
  /** The payload's length as received: what the memory's byte bound counts. */
  bytes: number;
  receivedAt: number;
}

export interface PayloadMemory {
  /** Keeps a payload unless the memory is full: then the newest goes unkept, and is read from the store. */
  keep(recorded: RecordedPayload): void;
  /** The payload kept for `id`, which leaves the memory; undefined when none is kept. */
  take(id: string): unknown;
  /**
   * A claim leased these deliveries: what is kept for older ones it did not lease is dropped, since a claim
   * takes the oldest due first, so another node leased them (or they wait for a retry, or were dispatched
   * before they were kept): held for nothing, they would fill the memory for good.
   */
  claimed(deliveries: ReadonlyArray<{ id: string; receivedAt: number }>): void;
  readonly size: number;
  readonly bytes: number;
}

/** Bounded, since a backlog must not grow the heap: a payload not kept is read from the store instead. */
export function createPayloadMemory(bound: { maxCount: number; maxBytes: number }): PayloadMemory {
  // insertion order is the order the ack path recorded them, i.e. by receivedAt, as claims take them
  const kept = new Map<string, RecordedPayload>();
  let bytes = 0;
  const drop = (id: string): RecordedPayload | undefined => {
    const entry = kept.get(id);
    if (entry === undefined) return undefined;
    kept.delete(id);
    bytes -= entry.bytes;
    return entry;
  };
  return {
    keep(recorded) {
      if (kept.has(recorded.id) || kept.size >= bound.maxCount || bytes + recorded.bytes > bound.maxBytes) return;
      kept.set(recorded.id, recorded);
      bytes += recorded.bytes;
    },
    take: (id) => drop(id)?.payload,
    claimed(deliveries) {
      if (deliveries.length === 0) return;
      const leased = new Set(deliveries.map((d) => d.id));
      const newest = Math.max(...deliveries.map((d) => d.receivedAt));
      for (const entry of kept.values()) {
        // strictly older: one received in the same millisecond may simply not have fitted in this claim
        if (entry.receivedAt >= newest) break;
        if (!leased.has(entry.id)) drop(entry.id);
      }
    },
    get size() {
      return kept.size;
    },
    get bytes() {
      return bytes;
    },
  };
}
