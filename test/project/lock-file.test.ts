import { execFile } from "node:child_process";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

// Users' CI and deploy scripts run `npm ci`, which refuses a lock file out of step with package.json;
// `npm install` would quietly mend it, so only this check notices a dependency added without its lock entry.
it("package-lock.json is in step with package.json, so `npm ci` installs a fresh clone", async () => {
  const dir = await mkdtemp(join(tmpdir(), "gantry-lock-"));
  try {
    await copyFile(join(ROOT, "package.json"), join(dir, "package.json"));
    await copyFile(join(ROOT, "package-lock.json"), join(dir, "package-lock.json"));
    const result = await promisify(execFile)("npm", ["ci", "--dry-run", "--ignore-scripts", "--no-audit", "--no-fund"], {
      cwd: dir,
      env: { ...process.env, npm_config_loglevel: "error" },
    }).then(
      () => ({ ok: true, stderr: "" }),
      (error: { stderr?: string }) => ({ ok: false, stderr: error.stderr ?? String(error) }),
    );
    expect(result.stderr).toBe("");
    expect(result.ok).toBe(true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
