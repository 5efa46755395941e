import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { stat } from "node:fs/promises";
import { readLogTail } from "./read-log-tail.js";
import { formatDuration } from "./format-duration.js";
import type { Store } from "../backend/storage/store.js";
import { logPath } from "../runs/log-path.js";
import type { RunAccess } from "./access/run-access.js";

const RUN_PATH = /^\/runs\/([0-9a-f-]{36})(\/log)?$/;
const TAIL_BYTES = 256 * 1024;

// The HTTP server (app/) mounts this page as one of its request handlers: true when the page answered.
type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;

/**
 * The page a check run's "Details" link opens: the run's state and the tail of its log (`/runs/<id>`), or the
 * whole log (`/runs/<id>/log`). Plain text only, so nothing in a log can render as markup. Run ids are random
 * UUIDs: the link is known to those who can see the check run; `access` decides who sees more than the state.
 */
export function createRunPageHandler(options: { store: Store; dataDir: string; access: RunAccess }): Handler {
  return async (request, response) => {
    const match = request.method === "GET" ? RUN_PATH.exec(request.url?.split("?")[0] ?? "") : null;
    if (!match) return false;
    const run = await options.store.getRun(match[1]!);
    // what a viewer sees depends on their cookies: never kept by a shared cache
    const headers = { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff", "cache-control": "private, no-store", vary: "Cookie" };
    if (!run) {
      response.writeHead(404, headers).end("No such run.\n");
      return true;
    }
    const decision = await options.access(request, run);
    if (!decision.allowed) {
      const how = decision.signInUrl ? `Sign in with GitHub to see its log: ${decision.signInUrl}` : "Its log is not shown here.";
      const state = [
        `${run.push.owner}/${run.push.repo} · ${run.pipeline.name}`,
        `state: ${run.state}${run.result ? ` · conclusion: ${run.result.conclusion}` : ""}`,
        "",
        `This run belongs to a private repository. ${how}`,
      ];
      if (match[2]) response.writeHead(403, headers).end(`${state.at(-1)}\n`);
      else response.writeHead(200, headers).end(state.join("\n") + "\n");
      return true;
    }
    const path = logPath(options.dataDir, run.id, Math.max(1, run.attempt));
    if (match[2]) {
      const size = await stat(path).then((s) => s.size, () => null);
      if (size === null) {
        response.writeHead(404, headers).end("This run has no log yet.\n");
        return true;
      }
      response.writeHead(200, { ...headers, "content-length": String(size) });
      createReadStream(path, { end: size - 1 }).pipe(response);
      return true;
    }
    // on another node's disk when workers run elsewhere: then the tail kept with the result is what there is
    const local = await readLogTail(path, { maxBytes: TAIL_BYTES });
    const tail = local.text === "" && run.result?.logTail ? { text: run.result.logTail, truncated: true } : local;
    const lines = [
      `${run.push.owner}/${run.push.repo} · ${run.pipeline.name} · ${run.push.ref} @ ${run.push.sha}`,
      `state: ${run.state}${run.result ? ` · conclusion: ${run.result.conclusion}` : ""}`,
      ...(run.result?.reason ? [`reason: ${run.result.reason}`] : []),
      "",
      ...(run.result?.steps ?? []).map(
        (step) => `${step.conclusion.padEnd(10)} ${step.name}${step.exitCode === null ? "" : ` (exit ${step.exitCode})`}${step.durationMs === null ? "" : ` ${formatDuration(step.durationMs)}`}`,
      ),
      "",
      tail.truncated ? `--- the end of the log; the whole log: /runs/${run.id}/log on the node that ran it ---` : "--- log ---",
      tail.text,
    ];
    response.writeHead(200, headers).end(lines.join("\n") + "\n");
    return true;
  };
}
