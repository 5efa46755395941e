import type { RunRecord, RunResult, RunState } from "./run-types.js";

export interface Delivery {
  id: string;
  event: string;
  payload: string;
  receivedAt: number;
  attempts: number;
}

/**
 * Durable state of gantry. Every implementation passes test/storage/store-contract.ts.
 * Writes are atomic: a crash leaves either the old or the new record.
 */
export interface Store {
  /** False when a delivery with this id is already recorded (GitHub's redelivery, or a replay). */
  recordDelivery(delivery: Omit<Delivery, "attempts">): Promise<boolean>;
  /** The oldest deliveries not yet dispatched whose retry time has come. */
  pendingDeliveries(now: number, limit: number): Promise<Delivery[]>;
  finishDelivery(id: string, outcome: { error?: string }): Promise<void>;
  retryDeliveryLater(id: string, at: number, error: string): Promise<void>;
  countPendingDeliveries(): Promise<number>;
  /** Claims a push (repository + ref + head SHA); false when another delivery claimed it within the window. */
  claimPush(key: string, deliveryId: string, now: number, windowMs: number): Promise<boolean>;
  /** Inserts runs that do not exist yet (by delivery + pipeline name) and returns all runs of the delivery. */
  addRuns(runs: RunRecord[]): Promise<RunRecord[]>;
  getRun(id: string): Promise<RunRecord | null>;
  runsOfDelivery(deliveryId: string): Promise<RunRecord[]>;
  runsInState(state: RunState): Promise<RunRecord[]>;
  setCheckRunId(id: string, checkRunId: number): Promise<void>;
  /** Moves a run to `to` only if it is in one of `from`; false when it was not. */
  transitionRun(id: string, from: RunState[], to: RunState, fields?: { result?: RunResult; at?: number }): Promise<boolean>;
  close(): Promise<void>;
}
