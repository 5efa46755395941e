import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../helpers/eventually.js";
import { processesWithEnv } from "../helpers/processes-with-env.js";
import { pushPayload } from "../helpers/push-payload.js";
import { startStack, waitForLog, type Stack } from "./stack.js";
import { logPath } from "../../src/runs/log-path.js";

let stack: Stack;
let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "gantry-e2e-scratch-"));
  // steps see the scratch dir read-only: the test signals them through files there
  stack = await startStack({ GANTRY_SANDBOX_BIND: scratch });
});
afterAll(async () => {
  await stack?.stop();
  await rm(scratch, { recursive: true, force: true });
});

const simple = "pipelines:\n  build:\n    steps:\n      - run: echo built\n";

describe("duplicates, deletions, timeouts, big logs and GitHub failures", () => {
  it("runs a push once whether its delivery id is repeated or a second delivery carries the same push", async () => {
    const repo = await stack.repo("dupes", { ".github/gantry.yml": simple });
    const { sha, payload, delivery } = await stack.push(repo, {});
    const again = await stack.deliver(payload, { deliveryId: delivery.deliveryId });
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)).toEqual({ ok: true, duplicate: true });
    await stack.completed(repo, sha, "build");
    const other = await stack.deliver(payload);
    expect(other.status).toBe(202);
    await waitForLog(stack.app, new RegExp(`"delivery":"${other.deliveryId}".*push already dispatched`));
    expect(stack.fake.checkRunsFor("octo", "dupes").filter((c) => c.head_sha === sha)).toHaveLength(1);
  });

  it("runs nothing for a branch deletion", async () => {
    const repo = await stack.repo("deletion", { ".github/gantry.yml": simple });
    await repo.push("refs/heads/doomed", (await repo.resolve("refs/heads/main"))!);
    const { before } = await repo.deleteRef("refs/heads/doomed");
    const payload = JSON.stringify(pushPayload({ owner: repo.owner, repo: repo.name, repoId: repo.id, ref: "refs/heads/doomed", before, after: "0".repeat(40), commits: [], deleted: true }));
    const delivery = await stack.deliver(payload);
    expect(delivery.status).toBe(202);
    await waitForLog(stack.app, new RegExp(`"delivery":"${delivery.deliveryId}".*ref deleted`));
    expect(stack.fake.checkRunsFor("octo", "deletion")).toEqual([]);
  });

  it("times a step out, concludes timed_out and leaves no process behind", async () => {
    const repo = await stack.repo("timeout", {
      ".github/gantry.yml": [
        "pipelines:",
        "  slow:",
        "    timeout: 1m",
        "    steps:",
        "      - name: Hang",
        "        timeout: 2s",
        "        run: |",
        '          echo "RUNID $GANTRY_RUN_ID"',
        "          sleep 300 &",
        "          sh -c 'sleep 301' &",
        "          sleep 302",
        "",
      ].join("\n"),
    });
    const { sha } = await stack.push(repo, {});
    const run = await stack.completed(repo, sha, "slow");
    expect(run.conclusion).toBe("timed_out");
    expect(run.output.summary).toMatch(/Hang/);
    const runId = /^RUNID (\S+)$/m.exec(run.output.text ?? "")?.[1];
    expect(runId, run.output.text ?? "").toBeDefined();
    // every process of the run carries its GANTRY_RUN_ID, in the sandbox or not
    await eventually("no process of the run left", async () => processesWithEnv(`GANTRY_RUN_ID=${runId}`).length === 0, 5_000);
  });

  it("keeps 30 MB of output on disk and puts its tail, ending with the last line, on the check run", async () => {
    const repo = await stack.repo("big-log", {
      ".github/gantry.yml": "pipelines:\n  noisy:\n    steps:\n      - run: |\n          head -c 30000000 /dev/zero | tr '\\0' 'x' | fold -w 99\n          echo THE-LAST-LINE\n",
    });
    const { sha } = await stack.push(repo, {});
    const run = await stack.completed(repo, sha, "noisy", 60_000);
    expect(run.conclusion).toBe("success");
    expect(run.output.text!.length).toBeLessThanOrEqual(65_535);
    expect(run.output.text!.trimEnd().replace(/`+$/, "").trimEnd().endsWith("THE-LAST-LINE")).toBe(true);
    expect((await stat(logPath(stack.app.dataDir, run.external_id!, 1))).size).toBeGreaterThan(30_000_000);
  });

  it("reports 100 KB of emoji and CJK output and steps with 4-byte names within GitHub's 65,535 bytes", async () => {
    // GitHub counts the limit in UTF-8 bytes (github/docs#35252); the fake refuses more, as GitHub does.
    const go = join(scratch, "wide-go");
    const name = (i: number) => `日${"😀".repeat(6_000)} ${i}`;
    const line = '$i 日志行完成错误 😀🎉🚀✅ €uro'; // about 50 bytes; 2,000 lines are 100 KB
    const repo = await stack.repo("wide-chars", {
      ".github/gantry.yml": [
        "pipelines:",
        "  wide:",
        `    env: { GO: "${go}" }`,
        "    steps:",
        `      - name: "${name(1)}"`,
        "        run: |",
        '          while [ ! -f "$GO" ]; do sleep 0.1; done',
        `          i=0; while [ $i -lt 2000 ]; do echo "${line}"; i=$((i+1)); done`,
        "          exit 1",
        `      - name: "${name(2)}"`,
        "        run: echo done",
        `      - name: "${name(3)}"`,
        "        run: echo done",
        "",
      ].join("\n"),
    });
    const path = "/repos/octo/wide-chars/check-runs";
    const { sha } = await stack.push(repo, {});
    // The in-progress table names every step: hold the step until GitHub has been told it runs.
    await stack.fake.waitFor(
      () => stack.fake.requests.find((r) => r.path.startsWith(path) && (r.body as { status?: string } | null)?.status === "in_progress"),
      30_000,
    );
    await writeFile(go, "");
    const run = await stack.completed(repo, sha, "wide", 60_000);
    expect(run.conclusion).toBe("failure");
    const sent = stack.fake.requests.filter((r) => r.path.startsWith(path) && r.method !== "GET");
    expect(sent.map((r) => [r.method, (r.body as { status?: string }).status, r.status, r.error])).toEqual(
      sent.map((r) => [r.method, (r.body as { status?: string }).status, r.method === "POST" ? 201 : 200, undefined]),
    );
    const progress = sent.find((r) => (r.body as { status?: string }).status === "in_progress")!.body as { output: { summary: string } };
    const lastLine = "1999 日志行完成错误 😀🎉🚀✅ €uro";
    for (const value of [progress.output.summary, run.output.summary!, run.output.text!]) {
      expect(Buffer.byteLength(value)).toBeLessThanOrEqual(65_535);
      expect(Buffer.from(value).toString()).toBe(value);
    }
    expect(progress.output.summary.endsWith("\n\n_Summary truncated._")).toBe(true);
    // The log's end, cut to whole lines: a fence, then lines from the first to the last.
    expect(run.output.text).toMatch(/^```\n\d+ 日志行完成错误 😀🎉🚀✅ €uro\n/);
    expect(run.output.text).toContain(`\n${lastLine}\n`);
    expect(run.output.text!.endsWith(`${"😀".repeat(100)} 1: exited with code 1\n\`\`\``)).toBe(true);
    expect(Buffer.byteLength(run.output.text!)).toBeGreaterThan(65_535 - 100);
    expect(run.output.summary).toContain(`${lastLine}\n\`\`\``);
  });

  it("retries when GitHub answers 500 once and still reports every state", async () => {
    const repo = await stack.repo("flaky", { ".github/gantry.yml": simple });
    stack.fake.failNext("POST", /\/repos\/octo\/flaky\/check-runs$/, 500, 1);
    const { sha } = await stack.push(repo, {});
    const run = await stack.completed(repo, sha, "build");
    expect(run.conclusion).toBe("success");
    const creates = stack.fake.requests.filter((r) => r.method === "POST" && r.path === "/repos/octo/flaky/check-runs");
    expect(creates.map((r) => r.status)).toEqual([500, 201]);
    expect(stack.fake.checkRunsFor("octo", "flaky")).toHaveLength(1);
  });
});
