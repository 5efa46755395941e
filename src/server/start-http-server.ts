import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "probot";

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<boolean> | boolean;

/** A plain node:http server: the webhook route must answer before anything Probot builds per event. */
export async function startHttpServer(options: {
  port: number;
  host: string;
  handlers: RequestHandler[];
  log: Logger;
}): Promise<{ server: Server; url: string }> {
  const server = createServer(async (request, response) => {
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
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return { server, url: `http://${host}:${address.port}` };
}

export const pingHandler: RequestHandler = (request, response) => {
  if (request.method !== "GET" || request.url?.split("?")[0] !== "/ping") return false;
  response.writeHead(200, { "content-type": "text/plain" }).end("PONG");
  return true;
};
