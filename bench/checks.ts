import type { FakeGitHub } from "../test/fake-github/fake-github.js";

export interface CheckRunTiming {
  id: number;
  /** When GitHub (the fake) answered the write that created it, epoch ms. */
  createdAt: number;
  /** When it answered the write that completed it, epoch ms; null while not completed. */
  completedAt: number | null;
  /** Create/update requests for it (accepted or not). */
  writes: number;
}

const CREATE = /^\/repos\/([^/]+)\/([^/]+)\/check-runs$/;
const UPDATE = /^\/repos\/[^/]+\/[^/]+\/check-runs\/(\d+)$/;

/** Per check run: when it appeared, when it completed, how many writes it took — from the fake's request log. */
export function checkRunTimings(fake: FakeGitHub): Map<number, CheckRunTiming> {
  // a create's answer does not name the check run in the log: match creates to check runs by repository and
  // external_id (gantry's run id), in order
  const byExternal = new Map<string, number[]>();
  for (const run of [...fake.checkRuns.values()].sort((a, b) => a.id - b.id)) {
    const key = `${run.owner}/${run.repo}#${run.external_id}`.toLowerCase();
    byExternal.set(key, [...(byExternal.get(key) ?? []), run.id]);
  }
  const timings = new Map<number, CheckRunTiming>();
  for (const request of fake.requests) {
    const body = (request.body ?? {}) as { status?: string; conclusion?: string; external_id?: string };
    const completes = body.status === "completed" || typeof body.conclusion === "string";
    let id: number | undefined;
    if (request.method === "POST" && CREATE.test(request.path)) {
      if (request.status !== 201) continue;
      const [, owner, repo] = CREATE.exec(request.path)!;
      id = byExternal.get(`${owner}/${repo}#${body.external_id}`.toLowerCase())?.shift();
      if (id === undefined) continue;
      timings.set(id, { id, createdAt: request.at, completedAt: null, writes: 0 });
    } else if (request.method === "PATCH" && UPDATE.test(request.path)) {
      id = Number(UPDATE.exec(request.path)![1]);
    } else {
      continue;
    }
    const timing = timings.get(id);
    if (!timing) continue;
    timing.writes += 1;
    if (completes && request.status < 300 && timing.completedAt === null) timing.completedAt = request.at;
  }
  return timings;
}

/** Check-run writes (POST/PATCH) the fake received in all, accepted or not. */
export function countCheckRunWrites(fake: FakeGitHub): number {
  return fake.requests.filter((r) => (r.method === "POST" && CREATE.test(r.path)) || (r.method === "PATCH" && UPDATE.test(r.path))).length;
}
