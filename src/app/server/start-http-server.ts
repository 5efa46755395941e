import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Logger } from "probot";
import type { TlsFiles } from "../settings/read-settings.js";
import type { TlsPair } from "./load-tls-pair.js";
import { watchTlsFiles } from "./watch-tls-files.js";

export type WebServer = Server | HttpsServer;

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean> | boolean;

/**
 * A plain node:http server (node:https with `tls`): the webhook route must answer before anything Probot builds
 * per event. With TLS the files are watched: a renewed pair serves new connections, open ones keep theirs.
 */
export async function startHttpServer(options: {
  port: number;
  host: string;
  handlers: RequestHandler[];
  log: Logger;
  tls?: { files: TlsFiles; pair: TlsPair } | null;
}): Promise<{ server: WebServer; url: string }> {
  const listener = async (request: IncomingMessage, response: ServerResponse) => {
    try {
      for (const handler of options.handlers) {
        if (await handler(request, response)) return;
      }
      response.writeHead(404, { "content-type": "application/json" }).end('{"error":"Not Found"}\n');
    } catch (error) {
      options.log.error({ err: error, url: request.url }, "request failed");
      if (!response.headersSent) response.writeHead(500, { "content-type": "application/json" });
      response.end('{"error":"Internal Server Error"}\n');
    }
  };
  const tls = options.tls;
  const https = tls ? createHttpsServer({ cert: tls.pair.cert, key: tls.pair.key }, listener) : null;
  const server: WebServer = https ?? createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  if (tls && https) {
    const unwatch = watchTlsFiles({ files: tls.files, log: options.log, onRenewed: ({ cert, key }) => https.setSecureContext({ cert, key }) });
    server.once("close", unwatch);
  }
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return { server, url: `${tls ? "https" : "http"}://${host}:${address.port}` };
}

export const pingHandler: RequestHandler = (request, response) => {
  if (request.method !== "GET" || request.url?.split("?")[0] !== "/ping") return false;
  response.writeHead(200, { "content-type": "text/plain" }).end("PONG");
  return true;
};
