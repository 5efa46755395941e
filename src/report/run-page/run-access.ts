import type { IncomingMessage } from "node:http";
import type { RunRecord } from "../../runs/run-types.js";

/**
 * Whether the viewer of a request may see a run's log. Not allowed: the page shows the run's state only, with a
 * link to sign in when there is a way to (signInUrl), and the data endpoints answer 403.
 */
export type RunAccess = (request: IncomingMessage, run: RunRecord) => Promise<RunAccessAnswer>;
export type RunAccessAnswer = { allowed: true } | { allowed: false; signInUrl: string | null };

/** Everyone may look (the run id in the URL is the only protection): until sign-in is wired up. */
export const allowEveryone: RunAccess = async () => ({ allowed: true });
