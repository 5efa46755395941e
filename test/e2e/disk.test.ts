import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./stack.js";

let stack: Stack;
beforeAll(async () => {
  // more than any disk has: every run waits until the app is started again without the minimum
  stack = await startStack({ GANTRY_MIN_FREE_GB: "1000000" });
});
afterAll(async () => {
  await stack?.stop();
});

describe("a worker with less free disk than GANTRY_MIN_FREE_GB", () => {
  it("keeps the run queued, its check run saying why, and runs it once there is space", async () => {
    const repo = await stack.repo("disk", { ".github/gantry.yml": "pipelines:\n  build:\n    steps:\n      - run: echo built\n" });
    const { sha } = await stack.push(repo, {});
    const queued = await stack.fake.waitFor(() =>
      stack.fake.checkRunsFor(repo.owner, repo.name).find((c) => c.head_sha === sha && c.output.title?.startsWith("Waiting for disk space")),
    );
    expect(queued.status).toBe("queued");
    expect(queued.output.title).toMatch(/^Waiting for disk space: \S+ has \d+\.\d GB free, less than GANTRY_MIN_FREE_GB \(1000000\.0 GB\); it starts when space is freed$/);
    expect(queued.output.summary).toContain("less than GANTRY\\_MIN\\_FREE\\_GB \\(1000000.0 GB\\)");
    // the fake accepts only bodies its OpenAPI schema allows: the last one it took says why
    expect(queued.history.at(-1)).toMatchObject({ output: { title: queued.output.title } });
    expect(queued.history.every((body) => body["status"] === "queued")).toBe(true);

    await stack.restart("SIGTERM", { GANTRY_MIN_FREE_GB: "0" });
    // the queued job comes back when its retry is due (DISK_RETRY_MS, 30 s), as it would once space is freed
    const done = await stack.completed(repo, sha, "build", 50_000);
    expect(done.conclusion).toBe("success");
    expect(done.output.title).not.toContain("disk");
    expect(done.history.some((body) => body["status"] === "in_progress")).toBe(true);
  });
});
