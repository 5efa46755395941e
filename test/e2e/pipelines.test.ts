import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, waitForLog, type Stack } from "./stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ GANTRY_PUBLIC_URL: "https://gantry.example.com/" });
});
afterAll(async () => {
  await stack?.stop();
});

const statuses = (history: Array<Record<string, unknown>>) => history.map((body) => body["status"] ?? (body["conclusion"] ? "completed" : undefined));
const ORDER = ["queued", "in_progress", "completed"];
/** Check runs only move forward; states already outdated when their turn came are never sent. */
function expectForwardOnly(history: Array<Record<string, unknown>>): void {
  const seen = statuses(history).map((status) => ORDER.indexOf(String(status)));
  expect(seen.every((index, i) => index >= 0 && (i === 0 || index >= seen[i - 1]!))).toBe(true);
  expect(seen.at(-1)).toBe(2);
}

describe("a signed push becomes check runs on the commit", () => {
  it("runs a succeeding pipeline: queued, in_progress, completed success with summary and log tail", async () => {
    const repo = await stack.repo("success", {
      ".github/gantry.yml": "pipelines:\n  build:\n    steps:\n      - name: Greet\n        run: echo \"hello from $GANTRY_PIPELINE on $GANTRY_BRANCH\"\n      - run: echo second step\n",
    });
    const { sha, delivery } = await stack.push(repo, { message: "Add the greeting\n\nLonger body", author: { name: "Mona Lisa", email: "mona@example.com", username: "mona" } });
    expect(delivery.status).toBe(202);
    const run = await stack.completed(repo, sha, "build");
    expect(run.conclusion).toBe("success");
    expectForwardOnly(run.history as Array<Record<string, unknown>>);
    expect(run.external_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.details_url).toBe(`https://gantry.example.com/runs/${run.external_id}`);
    expect(run.started_at).toBeTruthy();
    expect(run.output.summary).toContain("Mona Lisa");
    expect(run.output.summary).toContain("Add the greeting");
    expect(run.output.summary).not.toContain("Longer body");
    expect(run.output.summary).toMatch(/Greet[^\n]*success/);
    expect(run.output.text).toContain("hello from build on main");
    expect(run.output.text).toContain("second step");

    // the details link leads to gantry's own page for the run: HTML under a strict CSP
    const page = await fetch(`${stack.app.url}/runs/${run.external_id}`);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('data-state="completed"');
    expect(html).toContain('data-conclusion="success"');
    expect(html).toContain("hello from build on main");
    const log = await fetch(`${stack.app.url}/runs/${run.external_id}/log`);
    expect(log.headers.get("content-disposition")).toContain("attachment");
    expect(await log.text()).toContain("==> Greet\nhello from build on main\n");
    expect((await fetch(`${stack.app.url}/runs/00000000-0000-0000-0000-000000000000`)).status).toBe(404);
  });

  it("adds what steps write to $GANTRY_STEP_SUMMARY to the check run's summary, under each step's name", async () => {
    const repo = await stack.repo("step-summary", {
      ".github/gantry.yml": [
        "pipelines:",
        "  build:",
        "    steps:",
        "      - name: Coverage",
        "        run: |",
        '          echo "## Coverage: 93%" >> "$GANTRY_STEP_SUMMARY"',
        '          echo "| file | lines |" >> "$GANTRY_STEP_SUMMARY"',
        '          echo "| --- | --- |" >> "$GANTRY_STEP_SUMMARY"',
        '          echo "| src/a.ts | 93 |" >> "$GANTRY_STEP_SUMMARY"',
        "      - name: Quiet",
        "        run: echo nothing to say",
        "",
      ].join("\n"),
    });
    const { sha } = await stack.push(repo, {});
    const run = await stack.completed(repo, sha, "build");
    expect(run.conclusion).toBe("success");
    expect(run.output.summary).toContain('### Summary of step "Coverage"\n\n## Coverage: 93%\n| file | lines |\n| --- | --- |\n| src/a.ts | 93 |');
    expect(run.output.summary).not.toContain('Summary of step "Quiet"');
    expect(run.output.summary!.indexOf("Summary of step")).toBeGreaterThan(run.output.summary!.indexOf("#### Steps"));
  });

  it("fails at the first failing step, leads the summary with it and skips the rest", async () => {
    const repo = await stack.repo("failure", {
      ".github/gantry.yml": [
        "pipelines:",
        "  test:",
        "    steps:",
        "      - name: Compile",
        "        run: echo compiled",
        "      - name: Unit tests",
        "        run: |",
        "          echo 'expected 2, got 3' >&2",
        "          exit 7",
        "      - name: Never",
        "        run: echo never-runs",
        "",
      ].join("\n"),
    });
    const { sha } = await stack.push(repo, {});
    const run = await stack.completed(repo, sha, "test");
    expect(run.conclusion).toBe("failure");
    const summary = run.output.summary!;
    expect(summary.indexOf("Unit tests")).toBeLessThan(summary.indexOf("Compile"));
    expect(summary.slice(0, summary.indexOf("Compile"))).toContain("expected 2, got 3");
    expect(summary).toMatch(/Unit tests[^\n]*failure[^\n]*7/);
    expect(summary).toMatch(/Never[^\n]*skipped/);
    expect(run.output.text).not.toContain("never-runs");
  });

  it("runs a pipeline that needs another only after it succeeded, and skips it when it failed", async () => {
    const config = (buildCommand: string) =>
      [
        "pipelines:",
        "  build:",
        "    steps:",
        `      - run: ${buildCommand}`,
        "  deploy:",
        "    needs: [build]",
        "    on: { branches: [main] }",
        "    steps:",
        "      - run: echo deploying",
        "",
      ].join("\n");
    const repo = await stack.repo("needs", { ".github/gantry.yml": config("sleep 1") });
    const { sha } = await stack.push(repo, {});
    const deploy = await stack.completed(repo, sha, "deploy");
    const build = await stack.completed(repo, sha, "build");
    expect([build.conclusion, deploy.conclusion]).toEqual(["success", "success"]);
    expect(deploy.history[0]).toMatchObject({ status: "queued" });
    expect(Date.parse(deploy.started_at!)).toBeGreaterThanOrEqual(Date.parse(build.completed_at!));

    const failing = await stack.push(repo, { files: { ".github/gantry.yml": config("exit 1") } });
    const skipped = await stack.completed(repo, failing.sha, "deploy");
    expect(skipped.conclusion).toBe("skipped");
    expect(skipped.output.summary).toContain("build");
    expect(skipped.history.some((body) => (body as Record<string, unknown>)["status"] === "in_progress")).toBe(false);
  });

  it("runs tag pipelines on tag pushes with GANTRY_TAG, and branch-only pipelines not at all", async () => {
    const repo = await stack.repo("tags", {
      ".github/gantry.yml": [
        "pipelines:",
        "  release:",
        '    on: { tags: ["v*"], branches: [release/*] }',
        "    steps:",
        '      - run: echo "tag=$GANTRY_TAG branch=${GANTRY_BRANCH:-none}"',
        "  ci:",
        "    steps:",
        "      - run: echo ci",
        "",
      ].join("\n"),
    });
    const main = await repo.resolve("refs/heads/main");
    const { sha, delivery } = await stack.push(repo, { ref: "refs/tags/v1.2.0", sha: main!, message: "Initial commit" });
    expect(delivery.status).toBe(202);
    const release = await stack.completed(repo, sha, "release");
    expect(release.conclusion).toBe("success");
    expect(release.output.text).toContain("tag=v1.2.0 branch=none");
    await waitForLog(stack.app, new RegExp(`"delivery":"${delivery.deliveryId}".*dispatched`));
    expect(stack.fake.checkRunsFor("octo", "tags").filter((c) => c.head_sha === sha).map((c) => c.name)).toEqual(["release"]);
  });

  it("concludes skipped with the reason for [skip ci] and for a paths filter no file matches; no filter match means no check run", async () => {
    const repo = await stack.repo("skips", {
      ".github/gantry.yml": [
        "pipelines:",
        "  app:",
        '    on: { paths: ["src/**"] }',
        "    steps:",
        "      - run: echo app",
        "  only-release:",
        "    on: { branches: [release] }",
        "    steps:",
        "      - run: echo release",
        "",
      ].join("\n"),
      "src/index.js": "1",
    });
    const skipCi = await stack.push(repo, { files: { "src/index.js": "2" }, message: "Tidy up [skip ci]" });
    const first = await stack.completed(repo, skipCi.sha, "app");
    expect(first.conclusion).toBe("skipped");
    expect(first.output.summary).toContain("**Skipped:** the head commit message contains \\[skip ci\\]");

    const docs = await stack.push(repo, { files: { "README.md": "docs" }, message: "Docs only" });
    const second = await stack.completed(repo, docs.sha, "app");
    expect(second.conclusion).toBe("skipped");
    expect(second.output.summary).toContain("src/\\*\\*");

    const code = await stack.push(repo, { files: { "src/index.js": "3" }, message: "Code" });
    expect((await stack.completed(repo, code.sha, "app")).conclusion).toBe("success");
    expect(stack.fake.checkRunsFor("octo", "skips").map((c) => c.name)).not.toContain("only-release");
  });

  it("shows a broken config as a failed check run naming the file, line and problem", async () => {
    const repo = await stack.repo("broken", { "README.md": "hi" });
    const { sha } = await stack.push(repo, {
      files: { ".github/gantry.yml": "pipelines:\n  build:\n    timeout: soon\n    steps:\n      - run: echo hi\n" },
    });
    const run = await stack.completed(repo, sha, "gantry");
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toContain(".github/gantry.yml:3:");
    expect(run.output.summary).toContain('"soon"');
    expect(run.annotations).toEqual([expect.objectContaining({ path: ".github/gantry.yml", start_line: 3, annotation_level: "failure" })]);
  });

  it("fetches the pushed commit into the repository's mirror while its config is read, before any run exists", async () => {
    // no config: nothing would ever be checked out, so only the fetch at dispatch can have put the commit there
    const repo = await stack.repo("prefetch", { "README.md": "hi" });
    const { sha } = await stack.push(repo, { files: { "README.md": "again" } });
    const ref = join(stack.app.dataDir, "mirrors", String(repo.id), "refs", "gantry", sha);
    await waitForLog(stack.app, new RegExp(`no .github/gantry.yml at ${sha}`));
    const end = Date.now() + 20_000;
    while (!existsSync(ref) && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(readFileSync(ref, "utf8")).toBe(`${sha}\n`);
    expect(stack.fake.checkRunsFor(repo.owner, repo.name)).toEqual([]);
  });
});
