/** One step to launch: its shell command, the run's workspace (its writable host directory) and its environment. */
export interface SandboxStep {
  command: string;
  workspace: string;
  env: Record<string, string>;
  network: "host" | "none";
  /** Host paths this step must not see, besides the sandbox's own hide list (e.g. files holding secrets). */
  hide?: readonly string[];
  /** Host files gantry made for this step to write (its summary file), seen at their own paths. */
  writable?: readonly string[];
  /**
   * The run's own home on the host, kept across its steps (what `~/…` cache paths are restored into): bwrap binds it
   * at the step's $HOME; `off` keeps the server's $HOME (no isolation there) and ignores it.
   */
  home?: string;
  /** Host directories this step sees read-only at their own paths (the mirror its workspace borrows objects from). */
  readOnly?: readonly string[];
}

/** How to start the step: what the runner hands to execa, the environment complete (never on the command line). */
export interface WrappedStep {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /**
   * The launched process is a launcher whose own death ends the whole step at once (bwrap kills its namespace):
   * a graceful stop signals what runs inside it, and the launcher is killed only when the grace is over.
   */
  launcher: boolean;
}

/** Isolates steps from the host; `off` runs them as plain child processes. A container backend would be one more kind. */
export interface Sandbox {
  readonly kind: "bwrap" | "off";
  wrap(step: SandboxStep): WrappedStep;
}

/** The operator's choices (Settings.sandbox), as plain data. */
export interface SandboxConfig {
  mode: "bwrap" | "off";
  /** Host directories steps see read-only, besides the system directories. */
  bind: readonly string[];
  /** Host paths steps never see, even under a bound directory. */
  hide: readonly string[];
}
