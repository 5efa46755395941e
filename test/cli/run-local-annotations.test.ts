import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runLocal } from "../../src/cli/run-local.js";
import { initRepo } from "../helpers/git-repo.js";
import { lineProcessor } from "../helpers/line-processor.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

describe("runLocal with a log processor", () => {
  it("prints the annotations each pipeline's log held after it, as plain text", async () => {
    const root = await mkdtemp(join(tmpdir(), "gantry-run-local-"));
    const repo = await initRepo({ bareDir: join(root, "bare.git") });
    try {
      const yml = "pipelines:\n  build:\n    steps:\n      - name: Compile\n        run: |\n          printf 'src/a.c:3:7: error: expected \\033[31m;\\033[0m\\n'\n          echo '::warning file=nope.txt,line=2,title=T::careful'\n";
      await repo.commit({ ".github/gantry.yml": yml, "src/a.c": "int x\n" }, "Add config");
      const out = new PassThrough();
      let text = "";
      out.on("data", (chunk: Buffer) => (text += chunk.toString()));
      const code = await runLocal({ dir: repo.workDir, out, env: { PATH: process.env["PATH"]! }, sandbox: false, createLogProcessor: () => lineProcessor() });
      expect(code, text).toBe(0);
      expect(text).toContain("annotations (2):\n  src/a.c:3:7: error: expected ;\n  nope.txt:2: warning: T: careful (not a file of the commit)\n");
    } finally {
      await repo.cleanup();
      await rm(root, { recursive: true, force: true });
    }
  });
});
