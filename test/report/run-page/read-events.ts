import { request } from "node:http";

export interface ServerEvent {
  event: string;
  id: string | null;
  data: string;
}

/**
 * A server-sent-event client as a browser's EventSource reads the stream (Node 20 has none): the events and
 * comments received, the response's status and headers, and a way to hang up.
 */
export function readEvents(url: string, headers: Record<string, string> = {}) {
  const events: ServerEvent[] = [];
  const comments: string[] = [];
  let status = 0;
  let responseHeaders: Record<string, string | string[] | undefined> = {};
  let ended = false;
  let buffer = "";
  const req = request(url, { headers: { accept: "text/event-stream", ...headers } });
  const opened = new Promise<void>((resolve, reject) => {
    req.on("response", (response) => {
      status = response.statusCode ?? 0;
      responseHeaders = response.headers;
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: ServerEvent = { event: "message", id: null, data: "" };
          let isEvent = false;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) comments.push(line.slice(1).trim());
            else if (line.startsWith("event: ")) ((event.event = line.slice(7)), (isEvent = true));
            else if (line.startsWith("id: ")) event.id = line.slice(4);
            else if (line.startsWith("data: ")) ((event.data += line.slice(6)), (isEvent = true));
          }
          if (isEvent) events.push(event);
        }
      });
      response.on("end", () => (ended = true));
      response.on("error", () => (ended = true));
      resolve();
    });
    req.on("error", reject);
  });
  req.end();
  return {
    opened,
    events,
    comments,
    get status() {
      return status;
    },
    get headers() {
      return responseHeaders;
    },
    get ended() {
      return ended;
    },
    close: () => req.destroy(),
  };
}
