import type { RunPatch, RunRecord, RunState } from "../../runs/run-types.js";

export interface Delivery {
  id: string;
  event: string;
  payload: string;
  receivedAt: number;
  attempts: number;
}

/**
 * A leased delivery as a claim returns it: without its payload, which the pump usually still holds parsed
 * from the ack path; reading every claimed payload back cost a tenth of the event loop under load.
 */
export type ClaimedDelivery = Omit<Delivery, "payload">;

export interface FinishedDelivery {
  id: string;
  /** Set when it failed for good. */
  error?: string;
}

/** What one step of removeOldRecords removed. */
export interface RemovedRecords {
  deliveries: number;
  /** The runs removed: their log folders can go too. */
  runIds: string[];
  /** For the next step; null once nothing old enough is left to look at. */
  cursor: number | null;
}

export interface RunFilter {
  owner: string;
  repo: string;
  sha?: string;
  ref?: string;
  pipeline?: string;
  states?: RunState[];
}

/**
 * Durable state of gantry. Every implementation passes test/backend/storage/store-contract.ts; every method is
 * atomic, so several processes (or hosts, on Redis) can share one store.
 */
export interface Store {
  /** False when a delivery with this id is already recorded (GitHub's redelivery, or a replay). */
  recordDelivery(delivery: Omit<Delivery, "attempts">): Promise<boolean>;
  hasDelivery(id: string): Promise<boolean>;
  /**
   * Leases up to `limit` pending deliveries whose retry time has come and that no one else holds, oldest
   * first. A lease that is not finished or retried within `leaseMs` lapses (its holder died).
   */
  claimDeliveries(owner: string, now: number, limit: number, leaseMs: number): Promise<ClaimedDelivery[]>;
  /**
   * The payload text a delivery was recorded with, for one the pump does not hold in memory (recorded before a
   * restart, by another node, or past the memory's bound); null for an unknown id or once finished (dropped).
   */
  readDeliveryPayload(id: string): Promise<string | null>;
  /**
   * Extends to `now + leaseMs` the leases `owner` still holds on these deliveries (its holder renews them while
   * it works, so only a dead holder's lapse) and returns the ids it still holds.
   */
  renewDeliveryLeases(owner: string, ids: string[], now: number, leaseMs: number): Promise<string[]>;
  /**
   * Done with these (failed, when `error` is given); their payloads may be dropped. One write for them all:
   * the pump finishes what it dispatched in a tick together. An unknown id is left alone.
   */
  finishDeliveries(finished: FinishedDelivery[]): Promise<void>;
  retryDeliveryLater(id: string, at: number, error: string): Promise<void>;
  countPendingDeliveries(): Promise<number>;
  /** Claims a push (repository + ref + head SHA); false when another delivery claimed it within the window. */
  claimPush(key: string, deliveryId: string, now: number, windowMs: number): Promise<boolean>;

  /** Inserts runs that do not exist yet (by delivery + pipeline name) and returns all runs of those deliveries. */
  addRuns(runs: RunRecord[]): Promise<RunRecord[]>;
  getRun(id: string): Promise<RunRecord | null>;
  runsOfDelivery(deliveryId: string): Promise<RunRecord[]>;
  /** Runs of a repository matching the filter, oldest first. */
  findRuns(filter: RunFilter): Promise<RunRecord[]>;
  runsInState(state: RunState): Promise<RunRecord[]>;
  /**
   * Applies `patch` if the run is in one of `from` (any state when `from` is empty) and returns the updated
   * run, or null. Unless `report` is false the run's version is bumped, so the syncer reports it.
   */
  updateRun(id: string, from: RunState[], patch: RunPatch, options?: { report?: boolean }): Promise<RunRecord | null>;

  /**
   * Leases runs whose version GitHub has not seen yet, for `leaseMs`: completed ones at once, others only once
   * `notBefore` (set by markSynced) has passed, so a chatty build's updates coalesce.
   */
  claimUnsynced(owner: string, now: number, limit: number, leaseMs: number): Promise<RunRecord[]>;
  /** As renewDeliveryLeases, for the runs `owner` claimed with claimUnsynced. */
  renewSyncLeases(owner: string, ids: string[], now: number, leaseMs: number): Promise<string[]>;
  /** GitHub has seen `version`; the next non-final report waits until `notBefore`. Ends the lease. */
  markSynced(id: string, version: number, options: { checkRunId?: number; notBefore: number }): Promise<void>;
  /** Reporting failed; try again at `retryAt`. Ends the lease. */
  syncFailed(id: string, retryAt: number): Promise<void>;

  /** Takes or extends a named lease; true when `owner` holds it now. */
  acquireLock(name: string, owner: string, now: number, leaseMs: number): Promise<boolean>;
  /** Gives a lease up, if `owner` holds it. */
  releaseLock(name: string, owner: string): Promise<void>;

  /**
   * One bounded step of the retention sweep (start with cursor 0, pass the returned cursor back until it is
   * null). Removes up to `limit` deliveries that are no longer pending and were received before `before` (with
   * the push claims of that age), and up to `limit` completed runs that completed before `before` — none of a
   * delivery that still has a run not completed, since a waiting run may still need it. Queued, waiting and
   * running runs are never removed. Each step is short, so webhooks are recorded in between.
   */
  removeOldRecords(before: number, limit: number, cursor: number): Promise<RemovedRecords>;

  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
  close(): Promise<void>;
}
