import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PlannedPipeline } from "../../../src/planning/plan-types.js";
import { executePipeline, type ExecutePipelineOptions } from "../../../src/worker/execution/execute-pipeline.js";
import { useScratchRepo } from "./scratch-repo.js";
import { findFailedStep } from "../../../src/runs/find-failed-step.js";
import { bwrapSandbox } from "../../../src/worker/execution/sandbox/bwrap-sandbox.js";
import { plainSandbox } from "../../../src/worker/execution/sandbox/plain-sandbox.js";
import { createMasker } from "../../../src/worker/execution/masking/create-masker.js";
import { startLogScan } from "../../../src/worker/scanning/start-log-scan.js";
import type { LogScan, StepSpan } from "../../../src/runs/log-scan.js";
import { lineProcessor } from "../../helpers/line-processor.js";

const scratch = useScratchRepo("gantry-execute-");

const pipeline = (steps: PlannedPipeline["steps"]): PlannedPipeline => ({
  name: "build",
  action: "run",
  needs: [],
  cancelSuperseded: false,
  environment: null,
  concurrency: null,
  timeoutMs: 60_000,
  env: {},
  steps,
});

function options(sha: string, steps: PlannedPipeline["steps"], more: Partial<ExecutePipelineOptions> = {}): ExecutePipelineOptions {
  return {
    pipeline: pipeline(steps),
    checkout: { root: join(scratch.root, "ws"), runId: "run-1", cloneUrl: scratch.repo.workDir, sha },
    env: (workspace) => ({ PATH: process.env["PATH"]!, W: workspace }),
    log: scratch.log,
    sandbox: bwrapSandbox({ mode: "bwrap", bind: [], hide: [] }),
    ...more,
  };
}

const skipped = (name: string) => ({ name, conclusion: "skipped", exitCode: null, durationMs: null });

describe("executePipeline", () => {
  it("checks the commit out as step 0, then runs the steps in the workspace with its environment", async () => {
    const sha = await scratch.repo.commit({ "a.txt": "from the commit" }, "one");
    const workspaces: string[] = [];
    const ends: number[] = [];
    const outcome = await executePipeline(
      options(sha, [{ name: "Read", run: 'cat a.txt > "$W/read.txt"', timeoutMs: 30_000 }], {
        onWorkspace: (dir) => workspaces.push(dir),
        onStepEnd: (steps) => ends.push(steps.length),
      }),
    );
    expect(outcome.conclusion).toBe("success");
    expect(findFailedStep(outcome)).toBeUndefined();
    expect(outcome.steps.map((s) => [s.name, s.conclusion, s.exitCode])).toEqual([["Checkout", "success", 0], ["Read", "success", 0]]);
    expect(workspaces).toEqual([join(scratch.root, "ws", "run-1")]);
    expect(ends).toEqual([1, 2]);
    expect(await readFile(join(scratch.root, "ws", "run-1", "read.txt"), "utf8")).toBe("from the commit");
    expect(await readFile(scratch.log.path, "utf8")).toMatch(new RegExp(`^==> Checkout\\n${sha}\\n\\n==> Read\\n$`));
  });

  it("fails at step 0 when the commit cannot be fetched: the steps are skipped as after any failing step", async () => {
    await scratch.repo.commit({ "a.txt": "x" }, "one");
    const marker = join(scratch.root, "ran");
    const workspaces: string[] = [];
    const outcome = await executePipeline(
      options("b".repeat(40), [{ name: "Never", run: `touch ${marker}`, timeoutMs: 30_000 }, { name: "Nor", run: "true", timeoutMs: 30_000 }], {
        onWorkspace: (dir) => workspaces.push(dir),
      }),
    );
    expect(outcome.conclusion).toBe("failure");
    expect(findFailedStep(outcome)).toBe(outcome.steps[0]);
    expect(outcome.reason).toBe("exited with code 128");
    expect(outcome.steps[0]).toMatchObject({ name: "Checkout", conclusion: "failure", exitCode: 128 });
    expect(outcome.steps.slice(1)).toEqual([skipped("Never"), skipped("Nor")]);
    // the caller still learns of the workspace, to remove it
    expect(workspaces).toEqual([join(scratch.root, "ws", "run-1")]);
    expect(existsSync(marker)).toBe(false);
  });

  it("concludes cancelled at step 0 when cancelled before the checkout ends", async () => {
    const sha = await scratch.repo.commit({ "a.txt": "x" }, "one");
    const outcome = await executePipeline(options(sha, [{ name: "Never", run: "true", timeoutMs: 30_000 }], { signal: AbortSignal.abort() }));
    expect(outcome.conclusion).toBe("cancelled");
    expect(findFailedStep(outcome)).toBe(outcome.steps[0]);
    expect(outcome.steps).toEqual([{ name: "Checkout", conclusion: "cancelled", exitCode: outcome.steps[0]!.exitCode, durationMs: outcome.steps[0]!.durationMs }, skipped("Never")]);
  });

  it("checks out from the repository's mirror, which a step sees read-only under the hidden data directory: `git log` works, writes fail", async () => {
    const sha = await scratch.repo.commit({ "a.txt": "from the mirror" }, "one");
    const data = join(scratch.root, "data");
    const mirror = join(data, "mirrors", "7");
    const steps = [
      { name: "Log", run: "git log -1 --format=%H; git status --porcelain | wc -l", timeoutMs: 30_000 },
      { name: "Poison", run: `for f in ${mirror}/objects/*/*; do (echo x > "$f") 2>/dev/null && echo "wrote $f"; done; touch ${mirror}/objects/new 2>/dev/null && echo created; ls ${data}/mirrors`, timeoutMs: 30_000 },
    ];
    const outcome = await executePipeline(
      options(sha, steps, {
        checkout: { root: join(data, "workspaces"), runId: "run-1", cloneUrl: scratch.repo.workDir, sha, mirrors: { root: join(data, "mirrors"), repositoryId: 7 } },
        sandbox: bwrapSandbox({ mode: "bwrap", bind: [scratch.root], hide: [data] }),
      }),
    );
    const log = await readFile(scratch.log.path, "utf8");
    expect(outcome.conclusion, log).toBe("success");
    expect(log).toContain(`==> Log\n${sha}\n0\n`);
    expect(log).toMatch(/==> Poison\n7\n$/);
    expect(existsSync(join(mirror, "objects", "new"))).toBe(false);
    expect(existsSync(join(data, "workspaces", "run-1", ".git", "objects", "info", "alternates"))).toBe(true);
  });

  it("runs the steps in its sandbox: the pipeline's network, and the paths it hides besides the sandbox's own", async () => {
    const sha = await scratch.repo.commit({ "a.txt": "x" }, "one");
    const shared = join(scratch.root, "shared");
    await mkdir(shared);
    await writeFile(join(shared, "public.txt"), "public");
    await writeFile(join(shared, "secret.txt"), "secret");
    // /proc/net/dev lists the interfaces of the reader's network namespace: only lo without the host's network
    const steps = [{ name: "Look", run: `grep -c : /proc/net/dev; cat ${shared}/public.txt; echo; cat ${shared}/secret.txt 2>/dev/null || true; echo "[end]"`, timeoutMs: 30_000 }];
    const sandbox = bwrapSandbox({ mode: "bwrap", bind: [shared], hide: [] });
    const host = await executePipeline(options(sha, steps, { sandbox }));
    expect(host.conclusion, await readFile(scratch.log.path, "utf8")).toBe("success");
    const hostLog = await readFile(scratch.log.path, "utf8");
    expect(hostLog).toMatch(/Look\n\d+\npublic\nsecret\[end\]/);
    expect(Number(/Look\n(\d+)/.exec(hostLog)![1])).toBeGreaterThan(1);

    await rm(join(scratch.root, "ws"), { recursive: true, force: true });
    const none = await executePipeline(options(sha, steps, { sandbox, hide: [join(shared, "secret.txt")], pipeline: { ...pipeline(steps), network: "none" } }));
    expect(none.conclusion, await readFile(scratch.log.path, "utf8")).toBe("success");
    expect((await readFile(scratch.log.path, "utf8")).slice(hostLog.length)).toMatch(/Look\n1\npublic\n\[end\]/);
  });

  it("counts a failing step's index with the checkout as step 0", async () => {
    const sha = await scratch.repo.commit({ "a.txt": "x" }, "one");
    const outcome = await executePipeline(
      options(sha, [{ name: "Fine", run: "true", timeoutMs: 30_000 }, { name: "Broken", run: "exit 3", timeoutMs: 30_000 }, { name: "After", run: "true", timeoutMs: 30_000 }]),
    );
    expect(outcome.conclusion).toBe("failure");
    expect(findFailedStep(outcome)).toBe(outcome.steps[2]);
    expect(outcome.steps[2]).toMatchObject({ name: "Broken", conclusion: "failure", exitCode: 3 });
    expect(outcome.steps[3]).toEqual(skipped("After"));
    expect(outcome.reason).toBe("exited with code 3");
  });
});

describe("executePipeline: step summaries", () => {
  const summaryOf = (outcome: Awaited<ReturnType<typeof executePipeline>>, name: string) => outcome.steps.find((s) => s.name === name);

  it.each([
    ["in bubblewrap", bwrapSandbox({ mode: "bwrap", bind: [], hide: [] })],
    ["without a sandbox", plainSandbox()],
  ])("keeps what a step writes to $GANTRY_STEP_SUMMARY, %s, outside the checkout, masked like its output", async (_, sandbox) => {
    const sha = await scratch.repo.commit({ "a.txt": "x" }, "one");
    const outcome = await executePipeline(
      options(
        sha,
        [
          { name: "Write", run: 'echo "## Coverage 93% for $TOKEN" >> "$GANTRY_STEP_SUMMARY"; echo "| a | b |" >> "$GANTRY_STEP_SUMMARY"; git status --porcelain', timeoutMs: 30_000 },
          { name: "Silent", run: "true", timeoutMs: 30_000 },
        ],
        { sandbox, env: () => ({ PATH: process.env["PATH"]!, TOKEN: "tok3n-value" }), masker: createMasker(["tok3n-value"])! },
      ),
    );
    expect(outcome.conclusion, await readFile(scratch.log.path, "utf8")).toBe("success");
    expect(summaryOf(outcome, "Write")).toMatchObject({ summary: "## Coverage 93% for ***\n| a | b |\n" });
    expect(summaryOf(outcome, "Write")).not.toHaveProperty("summaryCutBytes");
    expect(summaryOf(outcome, "Silent")).not.toHaveProperty("summary");
    // not a change to the checkout, and gone once the pipeline ends
    expect(await readFile(scratch.log.path, "utf8")).not.toContain("??");
    expect(existsSync(join(scratch.root, "ws", "run-1.summaries"))).toBe(false);
  });

  it("reads the file it made, not what a step put in its place: a link to a host file shows nothing of it", async () => {
    const sha = await scratch.repo.commit({ "a.txt": "x" }, "one");
    const hostFile = join(scratch.root, "host-secret.txt");
    await writeFile(hostFile, "host-only-content\n");
    const outcome = await executePipeline(
      options(
        sha,
        [
          { name: "Symlink", run: `echo mine > "$GANTRY_STEP_SUMMARY"; rm -f "$GANTRY_STEP_SUMMARY"; ln -s ${hostFile} "$GANTRY_STEP_SUMMARY"`, timeoutMs: 30_000 },
          { name: "Hardlink", run: `rm -f "$GANTRY_STEP_SUMMARY" && ln ${hostFile} "$GANTRY_STEP_SUMMARY"`, timeoutMs: 30_000 },
        ],
        { sandbox: plainSandbox() },
      ),
    );
    expect(outcome.conclusion).toBe("success");
    expect(summaryOf(outcome, "Symlink")).toMatchObject({ summary: "mine\n" });
    expect(summaryOf(outcome, "Hardlink")).not.toHaveProperty("summary");
    expect(JSON.stringify(outcome.steps)).not.toContain("host-only-content");
  });

  it("keeps at most 65,535 bytes of a step's summary and counts the rest", async () => {
    const sha = await scratch.repo.commit({ "a.txt": "x" }, "one");
    const outcome = await executePipeline(options(sha, [{ name: "Big", run: 'head -c 100000 /dev/zero | tr "\\0" "a" > "$GANTRY_STEP_SUMMARY"', timeoutMs: 30_000 }]));
    const step = summaryOf(outcome, "Big")!;
    expect(step.summary).toHaveLength(65_535);
    expect(step.summaryCutBytes).toBe(100_000 - 65_535);
  });
});

describe("executePipeline's run home", () => {
  it("empties what an earlier attempt left in the run's home beside the checkout, before the first step sees it", async () => {
    const sha = await scratch.repo.commit({ "a.txt": "x" }, "one");
    const home = join(scratch.root, "ws", "run-1.home");
    await mkdir(join(home, ".npm"), { recursive: true });
    await writeFile(join(home, ".npm", "stale"), "from the attempt before\n");
    const outcome = await executePipeline(options(sha, [{ name: "Home", run: 'ls -A ~ > "$W/home.txt"; stat -c %a ~ >> "$W/home.txt"', timeoutMs: 30_000 }]));
    expect(outcome.conclusion, await readFile(scratch.log.path, "utf8")).toBe("success");
    expect(await readFile(join(scratch.root, "ws", "run-1", "home.txt"), "utf8")).toBe("700\n");
  });
});

describe("executePipeline with a log scanner", () => {
  const startScanner = () =>
    startLogScan({
      runId: "run-1",
      attempt: 1,
      logPath: scratch.log.path,
      scanPath: join(scratch.root, "logs", "run.scan.json"),
      lineIndexPath: join(scratch.root, "logs", "run.lines"),
      processor: lineProcessor(),
      intervalMs: 20,
    });

  it("tells it where each step's header is and how it ended: each step's lines are exact", async () => {
    const sha = await scratch.repo.commit({ "a.txt": "x" }, "one");
    const scanner = startScanner();
    const outcome = await executePipeline(
      options(sha, [{ name: "Partial", run: "printf 'one\\ntwo, no newline'", timeoutMs: 30_000 }, { name: "Fails", run: "echo out; exit 2", timeoutMs: 30_000 }], { scanner }),
    );
    await scanner.finish();
    expect(outcome.conclusion).toBe("failure");
    const scan = JSON.parse(await readFile(join(scratch.root, "logs", "run.scan.json"), "utf8")) as LogScan;
    const lines = (await readFile(scratch.log.path, "utf8")).split("\n");
    const text = (step: StepSpan) => lines.slice(step.startLine - 1, step.endLine!);
    expect(scan.steps.map((step) => [step.name, step.conclusion])).toEqual([["Checkout", "success"], ["Partial", "success"], ["Fails", "failure"]]);
    expect(text(scan.steps[0]!)).toEqual(["==> Checkout", sha, ""]);
    expect(text(scan.steps[1]!)).toEqual(["==> Partial", "one", "two, no newline"]);
    expect(text(scan.steps[2]!)).toEqual(["==> Fails", "out", "", "==> Fails: exited with code 2"]);
    expect(scan.steps[2]!.endByte).toBe(scratch.log.size());
    expect(scan).toMatchObject({ complete: true, lines: scan.steps[2]!.endLine });
  });

  /** A step that commits a file of its own in the workspace, then points an annotation at it and one at a file of the commit. */
  const plantedRun = async (more: (sha: string) => Partial<ExecutePipelineOptions>) => {
    const sha = await scratch.repo.commit({ "a.txt": "x", "src/b.ts": "y" }, "one");
    const scanner = startScanner();
    const commit = "echo new > planted.ts && git add planted.ts && git -c user.name=S -c user.email=s@example.invalid commit -qm planted";
    const outcome = await executePipeline(
      options(sha, [{ name: "Annotate", run: `${commit} && echo '::error file=planted.ts,line=1::x' && echo '::error file=src/b.ts,line=1::y'`, timeoutMs: 30_000 }], { scanner, ...more(sha) }),
    );
    expect(outcome.conclusion, await readFile(scratch.log.path, "utf8")).toBe("success");
    const { annotations } = await scanner.finish();
    expect(annotations.map((a) => [a.path, a.inRepository])).toEqual([
      ["planted.ts", false],
      ["src/b.ts", undefined],
    ]);
    expect(await readFile(scratch.log.path, "utf8")).not.toContain("could not list");
  };

  it("gives it the commit's files as checked out, before a step could change what git says", async () => {
    await plantedRun(() => ({ sandbox: plainSandbox() }));
  });

  it("lists the commit's files in the mirror, by its id, while the first step runs: what the step does to the workspace's git changes nothing", async () => {
    const mirrors = { root: join(scratch.root, "mirrors"), repositoryId: 9 };
    await plantedRun((sha) => ({ checkout: { root: join(scratch.root, "ws"), runId: "run-1", cloneUrl: scratch.repo.workDir, sha, mirrors } }));
  });

  it("masks what a step added with ::add-mask:: in the log and in its summary", async () => {
    const sha = await scratch.repo.commit({ "a.txt": "x" }, "one");
    const scanner = startScanner();
    const outcome = await executePipeline(
      options(sha, [{ name: "Mask", run: 'echo "::add-mask::hidden-word"; echo "printed hidden-word"; echo "summary of hidden-word" > "$GANTRY_STEP_SUMMARY"', timeoutMs: 30_000 }], { scanner }),
    );
    expect(outcome.steps[1]).toMatchObject({ summary: "summary of ***\n" });
    await scanner.finish();
    const text = await readFile(scratch.log.path, "utf8");
    expect(text).not.toContain("hidden-word");
    expect(text).toContain("::add-mask::***********\nprinted ***********\n");
  });
});
