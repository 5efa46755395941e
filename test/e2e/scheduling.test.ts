import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CheckRunRecord, HostedRepo } from "../fake-github/fake-github.js";
import { startStack, type Stack } from "./stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ GANTRY_CONCURRENCY: "4" });
});
afterAll(async () => {
  await stack?.stop();
});

const inProgress = (repo: HostedRepo, sha: string, name: string) =>
  stack.fake.waitFor(() => stack.fake.checkRunsFor(repo.owner, repo.name).find((c) => c.head_sha === sha && c.name === name && c.status === "in_progress"));

/** Start and end times steps printed: "start <label> <ms>" / "end <label> <ms>", read from their check runs' logs. */
function intervals(runs: readonly CheckRunRecord[]): Map<string, [number, number]> {
  const spans = new Map<string, [number, number]>();
  for (const line of runs.flatMap((run) => (run.output.text ?? "").split("\n"))) {
    const match = /^(start|end) (\S+) (\d+)$/.exec(line);
    if (!match) continue;
    const span = spans.get(match[2]!) ?? [0, 0];
    span[match[1] === "start" ? 0 : 1] = Number(match[3]);
    spans.set(match[2]!, span);
  }
  return spans;
}

const timed = (seconds: number) =>
  `echo "start $GANTRY_REPOSITORY-$GANTRY_SHA $(date +%s%3N)"; sleep ${seconds}; echo "end $GANTRY_REPOSITORY-$GANTRY_SHA $(date +%s%3N)"`;

describe("scheduling", () => {
  it("cancels a running build when a newer push to the same branch arrives, naming the newer commit", async () => {
    const repo = await stack.repo("supersede", { ".github/gantry.yml": "pipelines:\n  build:\n    steps:\n      - run: sleep 60\n" });
    const older = await stack.push(repo, {});
    await inProgress(repo, older.sha, "build");
    const newer = await stack.push(repo, { files: { ".github/gantry.yml": "pipelines:\n  build:\n    steps:\n      - run: echo quick\n" } });
    const cancelled = await stack.completed(repo, older.sha, "build");
    expect(cancelled.conclusion).toBe("cancelled");
    expect(cancelled.output.summary).toContain(newer.sha.slice(0, 7));
    expect((await stack.completed(repo, newer.sha, "build")).conclusion).toBe("success");
  });

  it("lets a pipeline with cancel_superseded: false finish", async () => {
    const repo = await stack.repo("keep", { ".github/gantry.yml": "pipelines:\n  build:\n    cancel_superseded: false\n    steps:\n      - run: sleep 2; echo kept\n" });
    const older = await stack.push(repo, {});
    await inProgress(repo, older.sha, "build");
    const newer = await stack.push(repo, {});
    expect((await stack.completed(repo, older.sha, "build")).conclusion).toBe("success");
    expect((await stack.completed(repo, newer.sha, "build")).conclusion).toBe("success");
  });

  it("never cancels a running deployment, and of the deployments waiting behind it only the newest runs", async () => {
    const config = `pipelines:\n  deploy:\n    environment: production\n    steps:\n      - name: deploy\n        run: ${timed(3)}\n`;
    const repo = await stack.repo("deploys", { ".github/gantry.yml": config });
    const first = await stack.push(repo, {});
    await inProgress(repo, first.sha, "deploy");
    const second = await stack.push(repo, {});
    await stack.fake.waitFor(() => stack.fake.checkRunsFor("octo", "deploys").find((c) => c.head_sha === second.sha));
    const third = await stack.push(repo, {});
    const [a, b, c] = [await stack.completed(repo, first.sha, "deploy"), await stack.completed(repo, second.sha, "deploy"), await stack.completed(repo, third.sha, "deploy")];
    expect([a.conclusion, b.conclusion, c.conclusion]).toEqual(["success", "cancelled", "success"]);
    expect(b.output.summary).toContain(third.sha.slice(0, 7));
    const spans = intervals([a, b, c]);
    const firstSpan = spans.get(`octo/deploys-${first.sha}`)!;
    const thirdSpan = spans.get(`octo/deploys-${third.sha}`)!;
    expect(spans.has(`octo/deploys-${second.sha}`)).toBe(false);
    expect(thirdSpan[0]).toBeGreaterThanOrEqual(firstSpan[1]);
  });

  it("runs one run of a concurrency group at a time across repositories of the installation", async () => {
    const config = `pipelines:\n  migrate:\n    concurrency: shared-db\n    steps:\n      - name: migrate\n        run: ${timed(1)}\n`;
    const repos = [await stack.repo("group-a", { ".github/gantry.yml": config }), await stack.repo("group-b", { ".github/gantry.yml": config }), await stack.repo("group-c", { ".github/gantry.yml": config })];
    const pushes = await Promise.all(repos.map((repo) => stack.push(repo, {})));
    const runs = [];
    for (const [i, repo] of repos.entries()) runs.push(await stack.completed(repo, pushes[i]!.sha, "migrate"));
    expect(runs.map((run) => run.conclusion)).toEqual(["success", "success", "success"]);
    const spans = [...intervals(runs).values()].sort((x, y) => x[0] - y[0]);
    expect(spans).toHaveLength(3);
    for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
  });

  it("coalesces a chatty build's progress into a few check-run writes", async () => {
    const steps = Array.from({ length: 40 }, (_, i) => `      - name: step ${i}\n        run: sleep 0.25; echo ${i}`).join("\n");
    const repo = await stack.repo("chatty", { ".github/gantry.yml": `pipelines:\n  chatty:\n    steps:\n${steps}\n` });
    const { sha } = await stack.push(repo, {});
    const run = await stack.completed(repo, sha, "chatty", 60_000);
    expect(run.conclusion).toBe("success");
    expect(run.output.summary).toContain("step 39");
    // ~10 s of steps, 40 step ends: at most one progress write per 10 s plus create, start and completion
    expect(run.history.length).toBeLessThanOrEqual(5);
    expect(run.history.length).toBeGreaterThanOrEqual(2);
  });
});
