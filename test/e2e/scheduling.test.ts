import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HostedRepo } from "../fake-github/fake-github.js";
import { startStack, type Stack } from "./stack.js";

let stack: Stack;
let scratch: string;
beforeAll(async () => {
  stack = await startStack({ GANTRY_CONCURRENCY: "4" });
  scratch = await mkdtemp(join(tmpdir(), "gantry-e2e-sched-"));
});
afterAll(async () => {
  await stack?.stop();
  await rm(scratch, { recursive: true, force: true });
});

const inProgress = (repo: HostedRepo, sha: string, name: string) =>
  stack.fake.waitFor(() => stack.fake.checkRunsFor(repo.owner, repo.name).find((c) => c.head_sha === sha && c.name === name && c.status === "in_progress"));

/** Start and end times a step wrote to `file`: "start <label> <ms>" / "end <label> <ms>". */
async function intervals(file: string): Promise<Map<string, [number, number]>> {
  const spans = new Map<string, [number, number]>();
  for (const line of (await readFile(file, "utf8")).split("\n").filter(Boolean)) {
    const [kind, label, at] = line.split(" ") as [string, string, string];
    const span = spans.get(label) ?? [0, 0];
    span[kind === "start" ? 0 : 1] = Number(at);
    spans.set(label, span);
  }
  return spans;
}

const timed = (file: string, seconds: number) =>
  `echo "start $GANTRY_REPOSITORY-$GANTRY_SHA $(date +%s%3N)" >> ${file}; sleep ${seconds}; echo "end $GANTRY_REPOSITORY-$GANTRY_SHA $(date +%s%3N)" >> ${file}`;

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
    const file = join(scratch, "deploys");
    const config = `pipelines:\n  deploy:\n    environment: production\n    steps:\n      - run: ${timed(file, 3)}\n`;
    const repo = await stack.repo("deploys", { ".github/gantry.yml": config });
    const first = await stack.push(repo, {});
    await inProgress(repo, first.sha, "deploy");
    const second = await stack.push(repo, {});
    await stack.fake.waitFor(() => stack.fake.checkRunsFor("octo", "deploys").find((c) => c.head_sha === second.sha));
    const third = await stack.push(repo, {});
    const [a, b, c] = [await stack.completed(repo, first.sha, "deploy"), await stack.completed(repo, second.sha, "deploy"), await stack.completed(repo, third.sha, "deploy")];
    expect([a.conclusion, b.conclusion, c.conclusion]).toEqual(["success", "cancelled", "success"]);
    expect(b.output.summary).toContain(third.sha.slice(0, 7));
    const spans = await intervals(file);
    const firstSpan = spans.get(`octo/deploys-${first.sha}`)!;
    const thirdSpan = spans.get(`octo/deploys-${third.sha}`)!;
    expect(spans.has(`octo/deploys-${second.sha}`)).toBe(false);
    expect(thirdSpan[0]).toBeGreaterThanOrEqual(firstSpan[1]);
  });

  it("runs one run of a concurrency group at a time across repositories of the installation", async () => {
    const file = join(scratch, "group");
    const config = `pipelines:\n  migrate:\n    concurrency: shared-db\n    steps:\n      - run: ${timed(file, 1)}\n`;
    const repos = [await stack.repo("group-a", { ".github/gantry.yml": config }), await stack.repo("group-b", { ".github/gantry.yml": config }), await stack.repo("group-c", { ".github/gantry.yml": config })];
    const pushes = await Promise.all(repos.map((repo) => stack.push(repo, {})));
    for (const [i, repo] of repos.entries()) expect((await stack.completed(repo, pushes[i]!.sha, "migrate")).conclusion).toBe("success");
    const spans = [...(await intervals(file)).values()].sort((x, y) => x[0] - y[0]);
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
