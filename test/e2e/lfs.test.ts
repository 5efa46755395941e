import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "./stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const config = (lfs: boolean) => ["pipelines:", "  build:", `    checkout: { lfs: ${lfs} }`, "    steps:", "      - run: cat data/big.bin", ""].join("\n");

describe("a pipeline's checkout.lfs", () => {
  it("gives the steps the LFS file's content when the pipeline asks for it, the pointer when not", async () => {
    for (const [name, lfs] of [["with-lfs", true], ["without-lfs", false]] as const) {
      const repo = await stack.repo(name, { "README.md": "x\n" });
      const object = await stack.fake.putLfsObject(repo, "the LFS file's own content\n");
      const { sha } = await stack.push(repo, { files: { ".github/gantry.yml": config(lfs), ".gitattributes": "*.bin filter=lfs diff=lfs merge=lfs -text\n", "data/big.bin": object.pointer } });
      const run = await stack.completed(repo, sha, "build");
      expect(run.conclusion, run.output.text ?? "").toBe("success");
      if (lfs) expect(run.output.text).toContain("the LFS file's own content");
      else {
        expect(run.output.text).toContain(`oid sha256:${object.oid}`);
        expect(run.output.text).not.toContain("the LFS file's own content");
      }
    }
    const downloads = stack.fake.lfsDownloads;
    expect(downloads.map((download) => [download.status, download.authorization])).toEqual([[200, []]]);
  });
});
