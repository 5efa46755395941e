import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { LogFile } from "../../../src/worker/execution/log-file.js";
import { initRepo, type Repo } from "../../helpers/git-repo.js";

export interface ScratchRepo {
  /** A fresh temporary directory per test; the bare repository is `root/origin.git`. */
  root: string;
  repo: Repo;
  log: LogFile;
}

/** Per test: a temporary directory, a repository to commit to, and a run log; all removed after the test. */
export function useScratchRepo(prefix: string): ScratchRepo {
  const scratch = {} as ScratchRepo;
  beforeEach(async () => {
    scratch.root = await mkdtemp(join(tmpdir(), prefix));
    scratch.repo = await initRepo({ bareDir: join(scratch.root, "origin.git") });
    scratch.log = new LogFile(join(scratch.root, "logs", "run.log"));
  });
  afterEach(async () => {
    scratch.log.close();
    await scratch.repo.cleanup();
    await rm(scratch.root, { recursive: true, force: true });
  });
  return scratch;
}
