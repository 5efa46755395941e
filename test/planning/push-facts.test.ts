import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { pushFactsFromPayload, type PushPayload } from "../../src/planning/push-facts.js";

const require = createRequire(import.meta.url);
const index = JSON.parse(readFileSync(require.resolve("@octokit/webhooks-examples/api.github.com/index.json"), "utf8")) as {
  name: string;
  examples: unknown[];
}[];
const examples = index.find((entry) => entry.name === "push")!.examples as PushPayload[];

/** A real branch push with its commit list replaced. */
function withCommits(commits: { added?: string[]; modified?: string[]; removed?: string[] }[]): PushPayload {
  const payload = structuredClone(examples[4]!);
  const template = payload.commits[0]!;
  payload.commits = commits.map((files, i) => {
    const commit = { ...template, id: String(i).padStart(40, "0") };
    delete commit.added;
    delete commit.modified;
    delete commit.removed;
    return { ...commit, ...files };
  });
  return payload;
}

describe("pushFactsFromPayload on @octokit/webhooks-examples", () => {
  it("has the examples these tests expect", () => {
    expect(examples).toHaveLength(7);
  });

  it("reads a new tag at an existing commit: no commits, so changed files are unknown", () => {
    expect(pushFactsFromPayload(examples[0]!)).toEqual({
      ref: "refs/tags/simple-tag",
      deleted: false,
      headCommitMessage: "Adding a .gitignore file",
      changedFiles: null,
    });
  });

  it("reads a deleted tag: no head commit, so an empty message", () => {
    expect(pushFactsFromPayload(examples[1]!)).toEqual({
      ref: "refs/tags/simple-tag",
      deleted: true,
      headCommitMessage: "",
      changedFiles: null,
    });
  });

  it("reads a new branch with its first commit", () => {
    expect(pushFactsFromPayload(examples[4]!)).toEqual({
      ref: "refs/heads/master",
      deleted: false,
      headCommitMessage: "Initial commit",
      changedFiles: ["README.md"],
    });
  });

  it("reads every example without throwing", () => {
    expect(examples.map((payload) => pushFactsFromPayload(payload).changedFiles)).toEqual([null, null, null, null, ["README.md"], ["README.md"], null]);
  });
});

describe("pushFactsFromPayload changed files", () => {
  it("unions added, modified and removed over all commits, first seen first, without repeats", () => {
    const payload = withCommits([
      { added: ["src/a.ts"], modified: ["README.md"], removed: [] },
      { added: [], modified: ["src/a.ts", "package.json"], removed: ["old.txt"] },
      { added: ["docs/x.md"], modified: [], removed: ["src/a.ts"] },
    ]);
    expect(pushFactsFromPayload(payload).changedFiles).toEqual(["src/a.ts", "README.md", "package.json", "old.txt", "docs/x.md"]);
  });

  it("copes with commits that leave the file lists out", () => {
    expect(pushFactsFromPayload(withCommits([{ modified: ["a"] }, {}])).changedFiles).toEqual(["a"]);
  });

  it("reports no files for commits that change none", () => {
    expect(pushFactsFromPayload(withCommits([{ added: [], modified: [], removed: [] }])).changedFiles).toEqual([]);
  });

  it("gives up at 2048 commits, where GitHub truncates the list", () => {
    const files = { modified: ["a"] };
    expect(pushFactsFromPayload(withCommits(Array.from({ length: 2047 }, () => files))).changedFiles).toEqual(["a"]);
    expect(pushFactsFromPayload(withCommits(Array.from({ length: 2048 }, () => files))).changedFiles).toBeNull();
  });

  it("gives up when a commit lists 3000 files, where GitHub truncates the lists", () => {
    const many = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    expect(pushFactsFromPayload(withCommits([{ added: many(1000, "a"), modified: many(1999, "m") }])).changedFiles).toHaveLength(2999);
    expect(pushFactsFromPayload(withCommits([{ added: many(1000, "a"), modified: many(1000, "m"), removed: many(1000, "r") }])).changedFiles).toBeNull();
  });

  it("takes the head commit message whole", () => {
    const payload = structuredClone(examples[4]!);
    payload.head_commit!.message = "Subject [skip ci]\n\nBody line";
    expect(pushFactsFromPayload(payload).headCommitMessage).toBe("Subject [skip ci]\n\nBody line");
  });
});
