import type { Redis } from "ioredis";
import { decodeRun } from "./redis/decode-run.js";
import { deliveryScripts } from "./redis/delivery-scripts.js";
import { encodeRun } from "./redis/encode-run.js";
import { leaseScripts } from "./redis/lease-scripts.js";
import type { LuaScript } from "./redis/lua-script.js";
import { retentionScripts } from "./redis/retention-scripts.js";
import { runScripts } from "./redis/run-scripts.js";
import type { RunPatch, RunRecord, RunState } from "../../runs/run-types.js";
import type { ClaimedDelivery, Delivery, FinishedDelivery, RemovedRecords, RunFilter, Store } from "./store.js";

export interface RedisStoreOptions {
  /** Put before every key, e.g. "gantry:". On Redis Cluster it must hold a hash tag ("{gantry}:"): scripts touch many keys. */
  prefix: string;
}

// a Record, so that a field added to RunPatch fails to compile here instead of being refused at run time
const PATCH_FIELDS: Record<keyof RunPatch, true> = {
  state: true,
  result: true,
  startedAt: true,
  completedAt: true,
  attempt: true,
  nodeId: true,
  pid: true,
  cancelRequested: true,
  progress: true,
  checkRunId: true,
  createRequestedAt: true,
  annotationsSent: true,
  waiting: true,
};

// Redis forgets push claims and locks this long after their window, so abandoned ones do not pile up;
// the margin keeps clock skew between hosts from ever mattering
const GRACE_MS = 60 * 60 * 1000;

/**
 * The multi-node store. Every method is one Lua script (or one command), so it is atomic across processes
 * and hosts. Key layout under the prefix:
 *
 * - `seq` counter: insertion order, which breaks ties of equal timestamps as SQLite's rowid does
 * - `delivery:<id>` hash; `deliveries:pending` and `deliveries:finished` zsets by receivedAt
 * - `push:<key>` hash (deliveryId, claimedAt), expiring `windowMs` + 1 h after the claim
 * - `run:<id>` hash (see redis/encode-run.ts)
 * - `runs:repo:<owner>/<repo>`, `runs:state:<state>`, `runs:unsynced` zsets by createdAt;
 *   `runs:delivery:<deliveryId>` zset by seq; `runs:pipelines:<deliveryId>` hash pipeline name → run id
 * - `lock:<name>` hash (owner, until), expiring `leaseMs` + 1 h after it was taken
 * - `meta` hash
 *
 * The client belongs to the caller: close() does not quit it, since one connection is usually shared
 * (with checkRedis, other stores); the caller quits it after close().
 */
export class RedisStore implements Store {
  readonly #redis: Redis;
  readonly #prefix: string;
  #closed = false;

  constructor(redis: Redis, options: RedisStoreOptions) {
    if (typeof options.prefix !== "string" || options.prefix === "") {
      throw new Error(`gantry: RedisStore option prefix must be a non-empty string such as "gantry:", got ${JSON.stringify(options.prefix)}`);
    }
    this.#redis = redis;
    this.#prefix = options.prefix;
  }

  async recordDelivery(delivery: Omit<Delivery, "attempts">): Promise<boolean> {
    const { id, event, payload, receivedAt } = delivery;
    return (await this.#run(deliveryScripts.record, id, event, payload, receivedAt)) === 1;
  }

  async hasDelivery(id: string): Promise<boolean> {
    return (await this.#client().exists(this.#key(`delivery:${id}`))) === 1;
  }

  async claimDeliveries(owner: string, now: number, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const rows = (await this.#run(deliveryScripts.claim, owner, now, limit, now + leaseMs)) as string[][];
    return rows.map(([id, event, receivedAt, attempts]) => ({
      id: id!,
      event: event!,
      receivedAt: Number(receivedAt),
      attempts: Number(attempts),
    }));
  }

  async readDeliveryPayload(id: string): Promise<string | null> {
    const payload = await this.#client().hget(this.#key(`delivery:${id}`), "payload");
    // a finished delivery's payload is '' (never a recorded one: it was valid JSON)
    return payload === null || payload === "" ? null : payload;
  }

  async renewDeliveryLeases(owner: string, ids: string[], now: number, leaseMs: number): Promise<string[]> {
    if (ids.length === 0) return [];
    return (await this.#run(deliveryScripts.renew, owner, now + leaseMs, ...ids)) as string[];
  }

  async finishDeliveries(finished: FinishedDelivery[]): Promise<void> {
    if (finished.length === 0) return;
    // the payload is dropped once dispatched: the runs carry what they need
    await this.#run(deliveryScripts.finish, ...finished.flatMap(({ id, error }) => [id, error === undefined ? "done" : "failed", error ?? ""]));
  }

  async retryDeliveryLater(id: string, at: number, error: string): Promise<void> {
    await this.#run(deliveryScripts.retryLater, id, at, error);
  }

  async countPendingDeliveries(): Promise<number> {
    return this.#client().zcard(this.#key("deliveries:pending"));
  }

  async claimPush(key: string, deliveryId: string, now: number, windowMs: number): Promise<boolean> {
    return (await this.#run(leaseScripts.claimPush, key, deliveryId, now, windowMs, ttl(windowMs))) === 1;
  }

  async addRuns(runs: RunRecord[]): Promise<RunRecord[]> {
    if (runs.length === 0) return [];
    return this.#runs(await this.#run(runScripts.add, ...runs.flatMap(encodeRun)), false);
  }

  async getRun(id: string): Promise<RunRecord | null> {
    return this.#runs(await this.#run(runScripts.get, id), false)[0] ?? null;
  }

  async runsOfDelivery(deliveryId: string): Promise<RunRecord[]> {
    return this.#runs(await this.#run(runScripts.ofDelivery, deliveryId), false);
  }

  async findRuns(filter: RunFilter): Promise<RunRecord[]> {
    const only = (value: string | undefined) => (value === undefined ? "" : `=${value}`);
    const states = filter.states === undefined ? null : [...new Set(filter.states)];
    const reply = await this.#run(
      runScripts.find,
      `${filter.owner}/${filter.repo}`,
      only(filter.sha),
      only(filter.ref),
      only(filter.pipeline),
      states === null ? -1 : states.length,
      ...(states ?? []),
    );
    return this.#runs(reply, true);
  }

  async runsInState(state: RunState): Promise<RunRecord[]> {
    return this.#runs(await this.#run(runScripts.inState, state), true);
  }

  async updateRun(id: string, from: RunState[], patch: RunPatch, options: { report?: boolean } = {}): Promise<RunRecord | null> {
    const fields: string[] = [];
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (!Object.hasOwn(PATCH_FIELDS, field)) throw new Error(`gantry: updateRun cannot change run field "${field}"`);
      fields.push(field, JSON.stringify(value));
    }
    const report = options.report === false ? "0" : "1";
    const reply = await this.#run(runScripts.update, id, report, from.length, ...from, patch.state ?? "", fields.length, ...fields);
    return reply === null ? null : this.#runs([reply], false)[0]!;
  }

  async claimUnsynced(owner: string, now: number, limit: number, leaseMs: number): Promise<RunRecord[]> {
    return this.#runs(await this.#run(runScripts.claimUnsynced, owner, now, limit, now + leaseMs), true);
  }

  async renewSyncLeases(owner: string, ids: string[], now: number, leaseMs: number): Promise<string[]> {
    if (ids.length === 0) return [];
    return (await this.#run(runScripts.renewSyncLeases, owner, now + leaseMs, ...ids)) as string[];
  }

  async markSynced(id: string, version: number, options: { checkRunId?: number; notBefore: number }): Promise<void> {
    const checkRunId = options.checkRunId === undefined ? [] : [JSON.stringify(options.checkRunId)];
    await this.#run(runScripts.markSynced, id, version, options.notBefore, ...checkRunId);
  }

  async syncFailed(id: string, retryAt: number): Promise<void> {
    await this.#run(runScripts.syncFailed, id, retryAt);
  }

  async acquireLock(name: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    return (await this.#run(leaseScripts.acquireLock, name, owner, now, now + leaseMs, ttl(leaseMs))) === 1;
  }

  async releaseLock(name: string, owner: string): Promise<void> {
    await this.#run(leaseScripts.releaseLock, name, owner);
  }

  async removeOldRecords(before: number, limit: number, cursor: number): Promise<RemovedRecords> {
    const [deliveries, skipped, walked, ...runIds] = (await this.#run(retentionScripts.removeOld, before, limit, cursor)) as [
      number,
      number,
      number,
      ...string[],
    ];
    const more = deliveries === limit || walked === limit;
    return { deliveries, runIds, cursor: more ? cursor + skipped : null };
  }

  async getMeta(key: string): Promise<string | null> {
    return this.#client().hget(this.#key("meta"), key);
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.#client().hset(this.#key("meta"), key, value);
  }

  /** Stops this handle; the Redis client stays open (it is the caller's). */
  async close(): Promise<void> {
    this.#closed = true;
  }

  #client(): Redis {
    if (this.#closed) throw new Error(`gantry: RedisStore (prefix "${this.#prefix}") is closed`);
    return this.#redis;
  }

  #key(name: string): string {
    return `${this.#prefix}${name}`;
  }

  #run(script: LuaScript, ...args: Array<string | number>): Promise<unknown> {
    return script.run(this.#client(), [this.#prefix, ...args.map(String)]);
  }

  /** Runs from a script's reply; `byCreation` sorts them oldest first, as the SQLite store's ORDER BY does. */
  #runs(reply: unknown, byCreation: boolean): RunRecord[] {
    const decoded = (reply as string[][]).map(decodeRun);
    if (byCreation) decoded.sort((a, b) => a.run.createdAt - b.run.createdAt || a.seq - b.seq);
    return decoded.map((entry) => entry.run);
  }
}

function ttl(windowMs: number): number {
  return Math.ceil(Math.max(0, windowMs)) + GRACE_MS;
}
