import type { InstallationOctokit } from "../github/github-app.js";
import { headWithinBytes } from "./markdown.js";

/**
 * GitHub's limit for a check run's `output.summary` and `output.text`. The docs say characters, but the API
 * counts UTF-8 bytes ("summary exceeds a maximum bytesize of 65535", github/docs#35252), so every cut of a
 * summary, a text or the log tail behind it is measured in bytes.
 */
export const OUTPUT_LIMIT = 65_535;
/** Check-run titles, and annotations' titles (GitHub's limit for both), are kept to this many characters (JS string length). */
export const TITLE_LIMIT = 255;
/** GitHub takes at most this many annotations per create or update request, and appends them to the check run's. */
export const ANNOTATIONS_PER_REQUEST = 50;

type UpdateParameters = NonNullable<Parameters<InstallationOctokit["rest"]["checks"]["update"]>[0]>;
/** One annotation of a check run, as GitHub's create and update endpoints take it. */
export type CheckAnnotation = NonNullable<NonNullable<UpdateParameters["output"]>["annotations"]>[number];

const TRUNCATED_NOTICE = "\n\n_Summary truncated._";

/** The `output` of a check run, as GitHub's create and update endpoints take it. */
export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
  /** At most ANNOTATIONS_PER_REQUEST. */
  annotations?: CheckAnnotation[];
}

/** `summary` within OUTPUT_LIMIT, cut at a line end, with a note (inside the limit) when something was cut. */
export function capSummary(summary: string): string {
  return headWithinBytes(summary, OUTPUT_LIMIT, TRUNCATED_NOTICE);
}
