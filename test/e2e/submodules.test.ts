import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commitTree, gitmodules } from "../helpers/commit-tree.js";
import { startStack, type Stack } from "./stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const config = (submodules: boolean) =>
  ["pipelines:", "  build:", `    checkout: { submodules: ${submodules} }`, "    steps:", "      - run: cat vendor/lib/lib.txt", ""].join("\n");

/** A repository whose commit has `.github/gantry.yml` and one submodule, `vendor/lib` at `url` (`{lib}`: the lib repository's). */
async function withSubmodule(name: string, yml: string, url = "{lib}", libPrivate = false): Promise<{ repo: Awaited<ReturnType<Stack["repo"]>>; sha: string }> {
  const lib = await stack.repo(`${name}-lib`, { "lib.txt": "from the submodule\n" }, { private: libPrivate });
  const libCommit = (await lib.resolve("refs/heads/main"))!;
  const repo = await stack.repo(name, { "README.md": "x\n" });
  const sha = await commitTree(
    repo,
    { ".github/gantry.yml": yml, ".gitmodules": gitmodules([{ name: "lib", path: "vendor/lib", url: url.replace("{lib}", lib.cloneUrl) }]) },
    { "vendor/lib": libCommit },
  );
  return { repo, sha };
}

describe("a pipeline's checkout.submodules", () => {
  it("gives the steps the submodules' files when the pipeline asks for them, an empty folder when not", async () => {
    for (const [name, submodules] of [["with-submodules", true], ["without-submodules", false]] as const) {
      const { repo, sha } = await withSubmodule(name, config(submodules));
      await stack.push(repo, { sha });
      const run = await stack.completed(repo, sha, "build");
      if (submodules) {
        expect(run.conclusion, run.output.text ?? "").toBe("success");
        expect(run.output.text).toContain("from the submodule");
      } else {
        expect(run.conclusion).toBe("failure");
        expect(run.output.text).toContain("vendor/lib/lib.txt: No such file or directory");
      }
    }
  });

  it("fails the checkout, naming the submodule and why, for a submodule on another host", async () => {
    const { repo, sha } = await withSubmodule("elsewhere", config(true), "http://gitlab.example/octo/lib.git");
    await stack.push(repo, { sha });
    const run = await stack.completed(repo, sha, "build");
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toContain('Step "Checkout" failed with exit code 1');
    expect(run.output.text).toContain(`gantry: submodule "lib" refused: its URL is on gitlab.example, not on the repository's host ${stack.fake.host}`);
  });

  it("fetches a private submodule in another repository no better than before: the checkout token is the pushed repository's only", async () => {
    const { repo, sha } = await withSubmodule("private-lib", config(true), "{lib}", true);
    await stack.push(repo, { sha });
    const run = await stack.completed(repo, sha, "build");
    expect(run.conclusion).toBe("failure");
    expect(run.output.summary).toContain('Step "Checkout" failed with exit code 128');
    expect(stack.fake.gitRequests.some((request) => request.path.startsWith("/octo/private-lib-lib.git/") && request.user === "x-access-token" && request.status === 401)).toBe(true);
  });
});
