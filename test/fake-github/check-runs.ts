import { HttpError, isoSeconds } from "./http-util.js";
import type { CheckRunRecord, CheckRunStatus } from "./types.js";

type Body = Record<string, unknown>;

const CHECKS_DOCS = "https://docs.github.com/rest/checks/runs";
/**
 * The OpenAPI says `maxLength: 65535` (characters, which Ajv counts as code points), but GitHub's validation
 * counts UTF-8 bytes: "summary exceeds a maximum bytesize of 65535" (github/docs#35252).
 */
const OUTPUT_MAX_BYTES = 65_535;

/**
 * Merges an already schema-valid create/update body into a check run the way GitHub does, and
 * enforces the rules the schema cannot express. Returns the new state; the input is not modified,
 * so a rejected update leaves the stored run untouched.
 */
export function applyCheckRunBody(current: CheckRunRecord, body: Body, isCreate: boolean): CheckRunRecord {
  const next: CheckRunRecord = {
    ...current,
    output: { ...current.output },
    annotations: [...current.annotations],
    history: [...current.history],
  };
  const now = isoSeconds();
  if (typeof body["name"] === "string") next.name = body["name"];
  if (typeof body["details_url"] === "string") next.details_url = body["details_url"];
  if (typeof body["external_id"] === "string") next.external_id = body["external_id"];
  if (typeof body["started_at"] === "string") next.started_at = isoSeconds(new Date(body["started_at"]));
  if (typeof body["completed_at"] === "string") next.completed_at = isoSeconds(new Date(body["completed_at"]));
  if (typeof body["status"] === "string") next.status = body["status"] as CheckRunStatus;
  if (typeof body["conclusion"] === "string") {
    if (body["conclusion"] === "stale") {
      throw new HttpError(422, "Invalid request.\n\nOnly GitHub can set a check run's conclusion to stale.", CHECKS_DOCS);
    }
    next.conclusion = body["conclusion"];
    // Documented: providing a conclusion sets the status to completed.
    next.status = "completed";
  }
  if (body["completed_at"] !== undefined || body["status"] === "completed") {
    if (next.conclusion === null) {
      throw new HttpError(
        422,
        "Invalid request.\n\n`conclusion` is required when `status` is `completed` or `completed_at` is given.",
        CHECKS_DOCS,
      );
    }
  }
  if (next.status === "completed") next.completed_at ??= now;
  if (isCreate) next.started_at ??= now;

  const output = body["output"];
  if (output !== null && typeof output === "object") {
    const o = output as Body;
    for (const field of ["summary", "text"]) {
      const value = o[field];
      if (typeof value === "string" && Buffer.byteLength(value) > OUTPUT_MAX_BYTES) {
        // Octokit shows GitHub's `Validation Failed` body with its errors' messages joined like this.
        throw new HttpError(422, `Validation Failed: ${field} exceeds a maximum bytesize of ${OUTPUT_MAX_BYTES}`, CHECKS_DOCS);
      }
    }
    if (typeof o["title"] === "string") next.output.title = o["title"];
    if (typeof o["summary"] === "string") next.output.summary = o["summary"];
    if (typeof o["text"] === "string") next.output.text = o["text"];
    // GitHub appends annotations across updates (50 per request) and replaces images.
    if (Array.isArray(o["annotations"])) {
      for (const annotation of o["annotations"] as Body[]) checkAnnotation(annotation);
      next.annotations.push(...(o["annotations"] as Body[]));
    }
    if (Array.isArray(o["images"])) next.images = o["images"] as Body[];
    next.output.annotations_count = next.annotations.length;
  }
  if (Array.isArray(body["actions"])) next.actions = body["actions"] as Body[];
  next.history.push(structuredClone(body));
  return next;
}

const ANNOTATION_TEXT_MAX_BYTES = 64 * 1024;
const ANNOTATION_TITLE_MAX_CHARS = 255;

/**
 * What GitHub refuses in an annotation beyond the schema, all with the same unspecific error (octokit/octokit.js#1170,
 * probot/probot#790, actions/runner#2082): lines and columns start at 1 and do not run backwards, columns only on a
 * single line and then both, a file path, the documented sizes of title (255 characters), message and raw_details (64 KB).
 */
function checkAnnotation(annotation: Body): void {
  const startLine = annotation["start_line"] as number;
  const endLine = annotation["end_line"] as number;
  const startColumn = annotation["start_column"] as number | undefined;
  const endColumn = annotation["end_column"] as number | undefined;
  const title = annotation["title"] as string | undefined;
  const problems = [
    annotation["path"] === "" && "path is empty",
    startLine < 1 && "start_line is below 1",
    endLine < startLine && "end_line is before start_line",
    (startColumn !== undefined || endColumn !== undefined) && startLine !== endLine && "columns on an annotation of several lines",
    (startColumn === undefined) !== (endColumn === undefined) && "only one of start_column and end_column",
    startColumn !== undefined && startColumn < 1 && "start_column is below 1",
    startColumn !== undefined && endColumn !== undefined && endColumn < startColumn && "end_column is before start_column",
    title !== undefined && [...title].length > ANNOTATION_TITLE_MAX_CHARS && "title is over 255 characters",
    ...(["message", "raw_details"] as const).map((field) => typeof annotation[field] === "string" && Buffer.byteLength(annotation[field]) > ANNOTATION_TEXT_MAX_BYTES && `${field} is over 64 KB`),
  ].filter((problem): problem is string => typeof problem === "string");
  if (problems.length > 0) {
    // GitHub says only `{"resource":"CheckRun","code":"invalid","field":"annotations"}`; the fake says why
    throw new HttpError(422, `Validation Failed: {"resource":"CheckRun","code":"invalid","field":"annotations"} (${problems.join("; ")})`, CHECKS_DOCS);
  }
}

export function newCheckRun(fields: {
  id: number;
  owner: string;
  repo: string;
  installationId: number;
  headSha: string;
  checkSuiteId: number;
}): CheckRunRecord {
  return {
    id: fields.id,
    owner: fields.owner,
    repo: fields.repo,
    installationId: fields.installationId,
    name: "",
    head_sha: fields.headSha,
    status: "queued",
    conclusion: null,
    started_at: null,
    completed_at: null,
    details_url: null,
    external_id: null,
    output: { title: null, summary: null, text: null, annotations_count: 0 },
    annotations: [],
    images: [],
    actions: [],
    check_suite_id: fields.checkSuiteId,
    history: [],
  };
}

/** The check run as GitHub's API returns it. */
export function checkRunJson(run: CheckRunRecord, urls: { apiUrl: string; webUrl: string }, app: unknown): Body {
  const apiBase = `${urls.apiUrl}/repos/${run.owner}/${run.repo}/check-runs/${run.id}`;
  return {
    id: run.id,
    node_id: Buffer.from(`CheckRun${run.id}`).toString("base64"),
    head_sha: run.head_sha,
    external_id: run.external_id ?? "",
    url: apiBase,
    html_url: `${urls.webUrl}/${run.owner}/${run.repo}/runs/${run.id}`,
    details_url: run.details_url ?? (app as { html_url?: string } | null)?.html_url ?? null,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.started_at,
    completed_at: run.completed_at,
    output: { ...run.output, annotations_url: `${apiBase}/annotations` },
    name: run.name,
    check_suite: { id: run.check_suite_id },
    app,
    pull_requests: [],
  };
}

/** `GET .../commits/{ref}/check-runs` filtering: check_name, status, and filter=latest (default). */
export function filterCheckRuns(runs: CheckRunRecord[], headSha: string, query: Record<string, string>): CheckRunRecord[] {
  let selected = runs.filter((run) => run.head_sha === headSha);
  if (query["check_name"] !== undefined) selected = selected.filter((run) => run.name === query["check_name"]);
  if (query["status"] !== undefined) selected = selected.filter((run) => run.status === query["status"]);
  if ((query["filter"] ?? "latest") === "latest") {
    const latest = new Map<string, CheckRunRecord>();
    for (const run of selected) {
      const seen = latest.get(run.name);
      if (!seen || seen.id < run.id) latest.set(run.name, run);
    }
    selected = [...latest.values()];
  }
  // GitHub lists the newest first.
  return selected.sort((a, b) => b.id - a.id);
}
