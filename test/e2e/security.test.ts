import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushPayload } from "../helpers/push-payload.js";
import { SECRET, startStack, type Stack } from "./stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ GANTRY_PASS_ENV: "LANG" });
});
afterAll(async () => {
  await stack?.stop();
});

describe("untrusted input and secrets", () => {
  it("hands steps no secret, no token and no gantry setting; the token is not in .git/config", async () => {
    const repo = await stack.repo("secrets", {
      ".github/gantry.yml": "pipelines:\n  leak:\n    steps:\n      - run: env | sort; echo ---; cat .git/config; git config --list --show-origin || true\n",
    });
    const { sha } = await stack.push(repo, {});
    const run = await stack.completed(repo, sha, "leak");
    expect(run.conclusion).toBe("success");
    const text = run.output.text!;
    expect(text).toContain(`GANTRY_SHA=${sha}`);
    expect(text).toContain("GANTRY_REPOSITORY=octo/secrets");
    expect(text).toContain("CI=true");
    expect(stack.fake.issuedTokens.length).toBeGreaterThan(0);
    for (const token of stack.fake.issuedTokens) expect(text).not.toContain(token);
    for (const name of ["APP_ID=", "PRIVATE_KEY", "WEBHOOK_SECRET", "GANTRY_DATA_DIR", "GHE_HOST", "GIT_CONFIG", "extraheader", "x-access-token"]) {
      expect(text).not.toContain(name);
    }
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("BEGIN PRIVATE KEY");
    // nor anywhere in what the app logged
    for (const token of stack.fake.issuedTokens) expect(stack.app.output()).not.toContain(token);
    expect(stack.app.output()).not.toContain(SECRET);
  });

  it("never executes a commit message, branch name or author name as code", async () => {
    const repo = await stack.repo("injection", {
      ".github/gantry.yml": [
        "pipelines:",
        "  echo:",
        "    steps:",
        "      - run: |",
        '          printf "message=%s\\n" "$GANTRY_COMMIT_MESSAGE"',
        '          printf "branch=%s\\n" "$GANTRY_BRANCH"',
        '          printf "author=%s\\n" "$GANTRY_COMMIT_AUTHOR"',
        "          ls -a",
        "          test ! -e pwned && test ! -e pwned2 && test ! -e pwned3",
        "",
      ].join("\n"),
    });
    const { sha } = await stack.push(repo, {
      ref: "refs/heads/x;touch${IFS}pwned2;$(touch${IFS}pwned2)",
      message: "$(touch pwned) `touch pwned` ; touch pwned",
      author: { name: "Eve $(touch pwned3)", email: "eve@example.com" },
    });
    const run = await stack.completed(repo, sha, "echo");
    expect(run.conclusion).toBe("success");
    expect(run.output.text).toContain("message=$(touch pwned) `touch pwned` ; touch pwned");
    expect(run.output.text).toContain("branch=x;touch${IFS}pwned2;$(touch${IFS}pwned2)");
    expect(run.output.text).toContain("author=Eve $(touch pwned3)");
    expect(run.output.text).not.toMatch(/^pwned/m);
    const appDir = join(stack.app.dataDir, "..");
    expect((await readdir(appDir)).filter((f) => f.startsWith("pwned"))).toEqual([]);
  });

  it("rejects bad signatures through the real server: nothing recorded, nothing run, no GitHub call", async () => {
    const repo = await stack.repo("forged", { ".github/gantry.yml": "pipelines:\n  x:\n    steps:\n      - run: echo x\n" });
    const sha = (await repo.resolve("refs/heads/main"))!;
    const payload = JSON.stringify(pushPayload({ owner: "octo", repo: "forged", repoId: repo.id, ref: "refs/heads/main", before: "0".repeat(40), after: sha, commits: [{ id: sha, message: "original-message" }] }));
    const requestsBefore = stack.fake.requests.length;
    const wrong = await stack.deliver(payload, { secret: "guessed" });
    expect(wrong.status).toBe(400);
    const unsigned = await fetch(stack.app.webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "x-github-event": "push", "x-github-delivery": "unsigned-1" },
      body: payload,
    });
    expect(unsigned.status).toBe(400);
    const tampered = await stack.deliver(payload.replaceAll("original-message", "tampered-message"), { secret: SECRET });
    expect(tampered.status).toBe(202); // signed after tampering: that one is genuine
    const run = await stack.completed(repo, sha, "x");
    expect(run.output.summary).toContain("tampered-message");
    // the only GitHub traffic came from the genuine delivery
    const calls = stack.fake.requests.slice(requestsBefore).filter((r) => r.path.includes("/forged/"));
    expect(calls.length).toBeGreaterThan(0);
    expect(stack.fake.checkRunsFor("octo", "forged")).toHaveLength(1);
    expect(stack.app.output()).toContain("webhook rejected");
    expect(stack.app.output()).not.toContain('"commits":[');
  });
});
