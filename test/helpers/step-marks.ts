import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface StepMarks {
  /** Base URL for steps: `curl -fsS "$url/<name>"` records `<name>` and answers how often it was recorded before. */
  url: string;
  /** Every name recorded, in order. */
  marks: string[];
  /** How many recorded names start with `prefix`. */
  count(prefix: string): number;
  close(): Promise<void>;
}

/**
 * Where sandboxed steps tell a test what they did: they cannot write outside their workspace (which goes with the
 * run), but they share the host's network. Loopback only.
 */
export async function startStepMarks(): Promise<StepMarks> {
  const marks: string[] = [];
  const server = createServer((request, response) => {
    const name = decodeURIComponent((request.url ?? "/").slice(1));
    const before = marks.filter((mark) => mark === name).length;
    marks.push(name);
    response.writeHead(200, { "content-type": "text/plain" }).end(String(before));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    marks,
    count: (prefix) => marks.filter((mark) => mark.startsWith(prefix)).length,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
