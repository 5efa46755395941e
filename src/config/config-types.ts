/** A problem in the config file, pointing at the node to fix. */
export interface ConfigError {
  file: string;
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
  /** Where in the config, e.g. `pipelines.build.steps[0].run`; "" for the file as a whole. */
  path: string;
  message: string;
}

export interface StepConfig {
  name: string;
  run: string;
  /** As written; `null` means the pipeline's timeout (planning applies the cap). */
  timeoutMs: number | null;
}

/** One pipeline as compiled from the file; what each option means is in its `.describe()` in schema.ts. */
export interface PipelineConfig {
  name: string;
  /** Glob lists as written; `null` when absent (see `matchRef` for what absence means). */
  on: { branches: string[] | null; tags: string[] | null; paths: string[] | null };
  timeoutMs: number;
  env: Record<string, string>;
  needs: string[];
  cancelSuperseded: boolean;
  environment: string | null;
  concurrency: string | null;
  network: "host" | "none";
  /** Commits of history the checkout fetches, and whether it fetches submodules and LFS files; absent when the file says nothing (the commit only). */
  checkout?: { depth: number; submodules: boolean; lfs: boolean };
  /** Names of operator-held secrets the steps receive; the server's secrets file decides whether this push may. */
  secrets: string[];
  /** Globs of report files to read after the last step; absent: none. */
  reports?: { junit: string[] };
  /** Dependency caches as written (templates unresolved); absent: none. */
  cache?: CacheConfig[];
  steps: StepConfig[];
  /** Which problem matchers read the steps' output; absent when the file says nothing (built-ins on, no custom). */
  matchers?: MatchersConfig;
}

export interface CacheConfig {
  key: string;
  restoreKeys: string[];
  paths: string[];
}

/** One line's pattern of a problem matcher: GitHub Actions' fields; numbers are capture groups of `regexp`. */
export interface MatcherPatternConfig {
  regexp: string;
  file?: number;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  severity?: number;
  message?: number;
  code?: number;
  loop?: boolean;
}

/** A problem matcher as GitHub Actions writes one (an entry of `problemMatcher[]`), without `fromPath`. */
export interface ProblemMatcherConfig {
  owner: string;
  severity?: "error" | "warning" | "notice";
  pattern: MatcherPatternConfig[];
}

export interface MatchersConfig {
  /** true: every built-in matcher; false: none; a list: those named. */
  builtin: boolean | string[];
  custom: ProblemMatcherConfig[];
}

export interface GantryConfig {
  /** In file order. */
  pipelines: PipelineConfig[];
}

export type ParseConfigResult = { ok: true; config: GantryConfig } | { ok: false; errors: ConfigError[] };
