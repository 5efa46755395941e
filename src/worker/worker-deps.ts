import type { RunDeps } from "../runs/run-deps.js";
import type { Sandbox } from "./execution/sandbox/sandbox.js";
import type { PlannedPipeline } from "../planning/plan-types.js";
import type { LogProcessor } from "./scanning/log-processor.js";
import type { CacheStore } from "./caching/cache-store.js";

/** A fresh processor for one attempt's log: the pipeline's matchers, paths under `workspace` made relative. */
export type CreateLogProcessor = (options: { pipeline: PlannedPipeline; workspace: string | null }) => LogProcessor;

export interface WorkerDeps extends RunDeps {
  dataDir: string;
  gitBaseUrl: string;
  passEnv: readonly string[];
  serverEnv: NodeJS.ProcessEnv;
  /** The operator's secrets file (Settings.secretsFile), read when each run starts. */
  secretsFile: string;
  /** Where steps run (Settings.sandbox, probed at start-up). */
  sandbox: Sandbox;
  /** A run starts only while the data folder's file system has this many bytes free (Settings.minFreeBytes); absent or 0: no check. */
  minFreeBytes?: number;
  /** How free bytes of the data folder's file system are read; default readFreeBytes (tests stand in a disk). */
  readFreeBytes?: (dir: string) => Promise<number>;
  /** This worker's dependency caches (Settings.cacheMaxBytes); absent: pipelines' `cache:` is ignored, said so in the log. */
  caches?: CacheStore;
  /** Reads each attempt's log as it grows (annotations, groups, `::add-mask::`, the line index); absent: no scan. */
  createLogProcessor?: CreateLogProcessor;
}
