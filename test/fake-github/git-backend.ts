import { spawn, type ChildProcess } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";

export interface GitBackendOptions {
  /** GIT_PROJECT_ROOT: the directory holding `owner/repo.git`. */
  projectRoot: string;
  /** Path below the project root, e.g. `/octo/app.git/info/refs`. */
  pathInfo: string;
  query: string;
  remoteUser: string;
  /** Base environment (no user/system git config, temp HOME). */
  env: NodeJS.ProcessEnv;
  /** Running children, so the server can kill leftovers on close. */
  children: Set<ChildProcess>;
}

/**
 * Serves one smart-HTTP request through a real `git http-backend` CGI process, so clones and
 * fetches exercise exactly the protocol GitHub speaks. Resolves with the HTTP status sent.
 */
export function serveGitHttpBackend(
  req: IncomingMessage,
  res: ServerResponse,
  options: GitBackendOptions,
): Promise<number> {
  const env: NodeJS.ProcessEnv = {
    ...options.env,
    GIT_PROJECT_ROOT: options.projectRoot,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: options.pathInfo,
    QUERY_STRING: options.query,
    REQUEST_METHOD: req.method ?? "GET",
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    REMOTE_USER: options.remoteUser,
    REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
    SERVER_PROTOCOL: "HTTP/1.1",
    GATEWAY_INTERFACE: "CGI/1.1",
  };
  // Without CONTENT_LENGTH (chunked upload) http-backend reads stdin to EOF, which is what we want.
  if (req.headers["content-length"] !== undefined) env["CONTENT_LENGTH"] = req.headers["content-length"];
  const protocol = req.headers["git-protocol"];
  if (typeof protocol === "string") env["GIT_PROTOCOL"] = protocol;
  // http-backend inflates gzip request bodies itself when told the encoding.
  const encoding = req.headers["content-encoding"];
  if (typeof encoding === "string") env["HTTP_CONTENT_ENCODING"] = encoding;

  return new Promise((resolve) => {
    const child = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
    options.children.add(child);
    let stderr = "";
    let head = Buffer.alloc(0);
    let headersSent = false;
    let status = 200;

    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    // The CGI may answer (e.g. an error) before reading the whole body; that is not our failure.
    child.stdin.on("error", () => undefined);
    req.pipe(child.stdin);

    const forward = (chunk: Buffer): void => {
      if (!res.write(chunk)) {
        child.stdout.pause();
        res.once("drain", () => child.stdout.resume());
      }
    };

    child.stdout.on("data", (chunk: Buffer) => {
      if (headersSent) {
        forward(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = findHeaderEnd(head);
      if (!end) return;
      const headers = head.subarray(0, end.index).toString("latin1").split(/\r?\n/);
      for (const line of headers) {
        const colon = line.indexOf(":");
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      headersSent = true;
      const rest = head.subarray(end.index + end.length);
      if (rest.length > 0) forward(rest);
    });

    // A client that hangs up mid-transfer must not leave the CGI running.
    res.on("close", () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    });

    child.on("error", (error) => {
      stderr += String(error);
    });
    child.on("close", () => {
      options.children.delete(child);
      if (!headersSent) {
        status = 502;
        if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
        res.end(`git http-backend failed: ${stderr}`);
      } else {
        res.end();
      }
      resolve(status);
    });
  });
}

function findHeaderEnd(buffer: Buffer): { index: number; length: number } | undefined {
  const crlf = buffer.indexOf("\r\n\r\n");
  const lf = buffer.indexOf("\n\n");
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { index: crlf, length: 4 };
  if (lf !== -1) return { index: lf, length: 2 };
  return undefined;
}
