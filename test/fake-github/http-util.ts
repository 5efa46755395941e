import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";

export const DOCS_URL = "https://docs.github.com/rest";

export interface Reply {
  status: number;
  /** Serialised as JSON unless `raw` is set. */
  json?: unknown;
  raw?: Buffer | string;
  headers?: Record<string, string>;
  /** Message of an error answer, kept for the request log. */
  error?: string;
}

/** Thrown by route handlers to answer with a GitHub-shaped error body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly documentationUrl: string = DOCS_URL,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** GitHub's error body: `{ message, documentation_url, status }` (status as a string, as GitHub sends it). */
export function errorReply(status: number, message?: string, documentationUrl = DOCS_URL, headers: Record<string, string> = {}): Reply {
  const text = message ?? STATUS_CODES[status] ?? "Error";
  return { status, json: { message: text, documentation_url: documentationUrl, status: String(status) }, headers, error: text };
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function sendReply(res: ServerResponse, reply: Reply): void {
  const body = reply.raw ?? (reply.json === undefined ? "" : JSON.stringify(reply.json));
  const headers: Record<string, string> = {
    "x-github-request-id": randomBytes(8).toString("hex").toUpperCase(),
    "x-github-media-type": "github.v3; format=json",
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": "4999",
    "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
    "x-ratelimit-resource": "core",
    ...(reply.raw === undefined && reply.json !== undefined ? { "content-type": "application/json; charset=utf-8" } : {}),
    ...reply.headers,
  };
  res.writeHead(reply.status, headers);
  res.end(body);
}

/** GitHub's timestamp format: UTC, whole seconds. */
export function isoSeconds(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Slices a list by `per_page`/`page` and builds the Link header Octokit's paginate follows. */
export function paginate<T>(items: T[], query: Record<string, string>, selfUrl: string): { page: T[]; link?: string } {
  const perPage = Math.min(Math.max(Number(query["per_page"] ?? 30) || 30, 1), 100);
  const page = Math.max(Number(query["page"] ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  if (last === 1) return { page: slice };
  const urlFor = (n: number): string => {
    const url = new URL(selfUrl);
    url.searchParams.set("per_page", String(perPage));
    url.searchParams.set("page", String(n));
    return url.toString();
  };
  const links: string[] = [];
  if (page < last) links.push(`<${urlFor(page + 1)}>; rel="next"`, `<${urlFor(last)}>; rel="last"`);
  if (page > 1) links.push(`<${urlFor(1)}>; rel="first"`, `<${urlFor(page - 1)}>; rel="prev"`);
  return { page: slice, link: links.join(", ") };
}
