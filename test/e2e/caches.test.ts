import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listCacheEntries } from "../../src/worker/caching/list-cache-entries.js";
import { startStack, type Stack } from "./stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** GitHub's hashFiles of one file: the sha256 of its sha256. */
const hashOf = (text: string) => createHash("sha256").update(createHash("sha256").update(text).digest()).digest("hex");
const key = (lock: string) => `deps-${hashOf(lock)}`;

// The step says what the restored cache held, then fills it from the lock file; a `fail` file fails it afterwards.
const CONFIG = [
  "pipelines:",
  "  build:",
  "    cache:",
  '      - key: deps-{{ hashFiles "deps.lock" }}',
  "        restore-keys: [deps-]",
  "        paths: [vendor]",
  "    steps:",
  "      - run: |",
  '          if [ -f vendor/stamp ]; then echo "FOUND $(cat vendor/stamp)"; else echo "EMPTY"; fi',
  "          mkdir -p vendor && cat deps.lock > vendor/stamp",
  "          test ! -f fail",
  "",
].join("\n");

async function build(repo: Awaited<ReturnType<Stack["repo"]>>, files: Record<string, string | null>, ref = "refs/heads/main", on = stack) {
  const { sha } = await on.push(repo, { files, ref });
  const run = await on.completed(repo, sha, "build");
  return { run, log: run.output.text ?? "", summary: run.output.summary ?? "" };
}

describe("caches", () => {
  it("misses and saves, hits, partially hits through restore-keys; a failed run saves nothing", async () => {
    const repo = await stack.repo("caches", { ".github/gantry.yml": CONFIG });

    const first = await build(repo, { "deps.lock": "lock-1" });
    expect(first.run.conclusion).toBe("success");
    expect(first.log).toContain("EMPTY");
    expect(first.log).toContain(`gantry: cache ${key("lock-1")}: miss`);
    expect(first.log).toMatch(new RegExp(`gantry: cache ${key("lock-1")}: saved, [\\d.]+ (B|kB) in [\\d.]+ s`));
    expect(first.log.indexOf("==> Restore caches")).toBeLessThan(first.log.indexOf("EMPTY"));
    expect(first.log.indexOf("EMPTY")).toBeLessThan(first.log.indexOf("==> Save caches"));
    expect(first.summary).toContain("#### Caches\n\n| Key | Restore | Size | Time | Save |\n| --- | --- | --- | --- | --- |\n");
    expect(first.summary).toMatch(new RegExp(`\\| ${key("lock-1")} \\| miss \\| — \\| [^|]+ \\| saved, [\\d.]+ (B|kB) in [^|]+ \\|`));
    expect(first.summary).toContain("| Restore caches | ");
    expect(first.summary).toContain("| Save caches | ");

    const second = await build(repo, { "deps.lock": "lock-1", "other.txt": "2" });
    expect(second.log).toContain("FOUND lock-1");
    expect(second.log).toMatch(new RegExp(`gantry: cache ${key("lock-1")}: restored ${key("lock-1")} \\(hit\\), [\\d.]+ (B|kB) in [\\d.]+ s`));
    expect(second.log).toContain(`gantry: cache ${key("lock-1")}: not saved: exact key was restored`);
    // the first run's save was unpacked again after it, for this push to take in one rename
    expect(first.log).not.toContain("unpacked ahead");
    expect(second.log).toMatch(new RegExp(`restored ${key("lock-1")} \\(hit\\), [^\\n]+, unpacked ahead after an earlier run\\n`));
    expect(second.summary).toMatch(/\| hit \| [\d.]+ (B|kB) \| [^|]+ \| not needed \(hit\) \|/);

    const third = await build(repo, { "deps.lock": "lock-2" });
    expect(third.log).toContain("FOUND lock-1");
    expect(third.log).toContain(`gantry: cache ${key("lock-2")}: partial hit from ${key("lock-1")}`);
    // the second run took lock-1's tree, and it was unpacked again after that run, its hit
    expect(third.log).toMatch(new RegExp(`partial hit from ${key("lock-1")}, [^\\n]+, unpacked ahead after an earlier run\\n`));
    expect(third.log).toContain(`gantry: cache ${key("lock-2")}: saved`);
    expect(third.summary).toContain(`| partial from ${key("lock-1")} |`);

    const failed = await build(repo, { "deps.lock": "lock-3", fail: "x" });
    expect(failed.run.conclusion).toBe("failure");
    expect(failed.log).toContain(`gantry: cache ${key("lock-3")}: partial hit from ${key("lock-2")}`);
    expect(failed.log).not.toContain("==> Save caches");
    expect(failed.summary).toContain("not saved (the pipeline did not succeed)");
    // nothing was saved under lock-3's key: the next run with it still only partially hits
    const after = await build(repo, { "deps.lock": "lock-3", fail: null });
    expect(after.log).toContain(`gantry: cache ${key("lock-3")}: partial hit from ${key("lock-2")}`);
    expect(after.log).toContain("FOUND lock-2");
  });

  it("a feature branch reads the default branch's caches and saves into its own scope, which the default branch never reads", async () => {
    const repo = await stack.repo("caches-scopes", { ".github/gantry.yml": CONFIG });
    await build(repo, { "deps.lock": "main-1" });

    const feature = await build(repo, { "deps.lock": "feature-1" }, "refs/heads/feature");
    expect(feature.log, feature.log).toContain(`gantry: cache ${key("feature-1")}: partial hit from ${key("main-1")}`);
    expect(feature.log).toContain(`gantry: cache ${key("feature-1")}: saved`);
    // the feature branch reads its own save back
    const featureAgain = await build(repo, { "deps.lock": "feature-1", "x.txt": "1" }, "refs/heads/feature");
    expect(featureAgain.log).toContain(`restored ${key("feature-1")} (hit)`);

    // the default branch, with the very key the feature branch saved (say, a poisoned one), does not see it
    const main = await build(repo, { "deps.lock": "feature-1", "y.txt": "1" });
    expect(main.log).toContain(`gantry: cache ${key("feature-1")}: partial hit from ${key("main-1")}`);
    expect(main.log).toContain("FOUND main-1");
    expect(main.log).toContain(`gantry: cache ${key("feature-1")}: saved`);

    // nor does another repository see this one's caches
    const other = await stack.repo("caches-other", { ".github/gantry.yml": CONFIG });
    const foreign = await build(other, { "deps.lock": "main-1" });
    expect(foreign.log).toContain(`gantry: cache ${key("main-1")}: miss`);
  });

  it("a tag reads the default branch's caches and saves into the tag's own scope, which the default branch never reads", async () => {
    const onTags = CONFIG.replace("  build:\n", '  build:\n    on: { branches: [main], tags: ["v*"] }\n');
    const repo = await stack.repo("caches-tag", { ".github/gantry.yml": onTags });
    await build(repo, { "deps.lock": "main-1" });

    const tag = await build(repo, { "deps.lock": "main-1", "x.txt": "1" }, "refs/tags/v1");
    expect(tag.log, tag.log).toContain("FOUND main-1");
    expect(tag.log).toContain(`restored ${key("main-1")} (hit)`);
    expect(tag.summary).toMatch(/\| hit \| [\d.]+ (B|kB) \| [^|]+ \| not needed \(hit\) \|/);

    const missed = await build(repo, { "deps.lock": "tag-1" }, "refs/tags/v2");
    expect(missed.log).toContain(`gantry: cache ${key("tag-1")}: partial hit from ${key("main-1")}`);
    expect(missed.log).toContain(`gantry: cache ${key("tag-1")}: saved`);
    const saved = (await listCacheEntries(join(stack.app.dataDir, "caches"), { repositoryId: repo.id, scopes: ["refs/tags/v2", "refs/heads/main"] }))
      .map(({ entry }) => [entry.scope, entry.key])
      .sort();
    expect(saved).toEqual([
      ["refs/heads/main", key("main-1")],
      ["refs/tags/v2", key("tag-1")],
    ]);

    // the default branch, with the key the tag saved, does not see it
    const main = await build(repo, { "deps.lock": "tag-1", "y.txt": "1" });
    expect(main.log).toContain(`gantry: cache ${key("tag-1")}: partial hit from ${key("main-1")}`);
    expect(main.log).toContain("FOUND main-1");
  });

  const bwrapWorks = spawnSync("bwrap", ["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--unshare-user", "true"]).status === 0;
  it.runIf(bwrapWorks)("in the sandbox, ~ is kept across a run's steps and a ~/ cache is restored into the next run's home", async () => {
    const repo = await stack.repo("caches-home", {
      ".github/gantry.yml": [
        "pipelines:",
        "  build:",
        "    cache:",
        '      - key: home-{{ hashFiles "deps.lock" }}',
        "        paths: [~/.cache-test]",
        "    steps:",
        "      - run: |",
        '          if [ -f ~/.cache-test/v ]; then echo "RESTORED $(cat ~/.cache-test/v) in $HOME"; fi',
        '          mkdir -p ~/.cache-test && echo "v-$(date +%s%N)" > ~/.cache-test/v && echo "WROTE $(cat ~/.cache-test/v)"',
        '      - run: echo "SECOND $(cat ~/.cache-test/v)"',
        "",
      ].join("\n"),
      "deps.lock": "1",
    });
    const first = await build(repo, { "a.txt": "1" });
    const wrote = /WROTE (v-\d+)/.exec(first.log)?.[1];
    expect(wrote, first.log).toBeDefined();
    // the step header shows the command too: only a line the step printed counts
    expect(first.log).not.toMatch(/^RESTORED /m);
    expect(first.log).toContain(`SECOND ${wrote}`);
    const second = await build(repo, { "a.txt": "2" });
    expect(second.log).toMatch(new RegExp(`^RESTORED ${wrote} in /home/gantry$`, "m"));
  });
});

describe("caches off (GANTRY_CACHE_MAX_GB=0)", () => {
  let off: Stack;
  beforeAll(async () => {
    off = await startStack({ GANTRY_CACHE_MAX_GB: "0" });
  });
  afterAll(async () => {
    await off?.stop();
  });

  it("restores and saves nothing, keeps no caches folder, and the pipeline still succeeds", async () => {
    const repo = await off.repo("caches-off", { ".github/gantry.yml": CONFIG });
    for (const files of [{ "deps.lock": "lock-1" }, { "deps.lock": "lock-1", "x.txt": "1" }]) {
      const { run, log } = await build(repo, files, "refs/heads/main", off);
      expect(run.conclusion, log).toBe("success");
      expect(log).toContain("gantry: caches are off here (GANTRY_CACHE_MAX_GB=0, or `gantry run`); nothing is restored or saved");
      // the second run too: the first saved nothing
      expect(log).toMatch(/^EMPTY$/m);
      expect(log).not.toContain("gantry: cache deps-");
    }
    expect(existsSync(join(off.app.dataDir, "caches"))).toBe(false);
  });
});
