import type { PathSegment } from "./format-path.js";

/** A validation finding before it is given a line and column. */
export interface ConfigProblem {
  /** Shown to the user. */
  path: PathSegment[];
  message: string;
  /** The node to point at, which differs from `path` for missing and unknown keys. */
  at: PathSegment[];
  /** Point at the key of `at` rather than its value. */
  atKey: boolean;
  /** Source offset to report instead of looking `at` up, for nodes a path cannot single out. */
  offset?: number;
}
