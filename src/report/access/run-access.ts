import type { IncomingMessage } from "node:http";
import type { RunRecord } from "../../runs/run-types.js";

/** Whether the viewer behind a request may see a run's log; when not, where they could sign in (null: nowhere). */
export type RunAccessDecision = { allowed: true } | { allowed: false; signInUrl: string | null };

/** Decides for every request of a run's page and its log, lines and events endpoints. */
export type RunAccess = (request: IncomingMessage, run: RunRecord) => Promise<RunAccessDecision>;

/** The App's OAuth client (GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET). */
export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}
