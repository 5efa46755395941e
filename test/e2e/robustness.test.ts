import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRunning } from "../helpers/is-running.js";
import { pushPayload } from "../helpers/push-payload.js";
import { startStack, waitForLog, type Stack } from "./stack.js";

let stack: Stack;
let scratch: string;
beforeAll(async () => {
  stack = await startStack();
  scratch = await mkdtemp(join(tmpdir(), "gantry-e2e-scratch-"));
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
    const pidFile = join(scratch, "pids");
    const repo = await stack.repo("timeout", {
      ".github/gantry.yml": [
        "pipelines:",
        "  slow:",
        "    timeout: 1m",
        `    env: { PID_FILE: "${pidFile}" }`,
        "    steps:",
        "      - name: Hang",
        "        timeout: 2s",
        "        run: |",
        '          sleep 300 & echo $! >> "$PID_FILE"',
        "          sh -c 'sleep 301' &",
        '          echo $! >> "$PID_FILE"',
        '          echo $$ >> "$PID_FILE"',
        "          sleep 302",
        "",
      ].join("\n"),
    });
    const { sha } = await stack.push(repo, {});
    const run = await stack.completed(repo, sha, "slow");
    expect(run.conclusion).toBe("timed_out");
    expect(run.output.summary).toMatch(/Hang/);
    const pids = (await readFile(pidFile, "utf8")).split("\n").filter(Boolean).map(Number);
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
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
    const logs = await readdir(join(stack.app.dataDir, "logs"));
    const log = logs.find((name) => name.startsWith(run.external_id!))!;
    expect((await stat(join(stack.app.dataDir, "logs", log))).size).toBeGreaterThan(30_000_000);
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
