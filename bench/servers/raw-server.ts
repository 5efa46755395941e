import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

// Baseline (a): the least a webhook receiver can do with node:http — read the body, check
// X-Hub-Signature-256 (HMAC-SHA256, timing-safe), parse the JSON, answer 202. No storage, no logging.
const secret = process.env["WEBHOOK_SECRET"] ?? "";

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks);
    const signature = Buffer.from(String(request.headers["x-hub-signature-256"] ?? ""));
    const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(body).digest("hex")}`);
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      response.writeHead(400, { "content-type": "application/json" }).end('{"error":"signature does not match"}\n');
      return;
    }
    try {
      JSON.parse(body.toString("utf8"));
    } catch {
      response.writeHead(400, { "content-type": "application/json" }).end('{"error":"Invalid JSON"}\n');
      return;
    }
    response.writeHead(202, { "content-type": "application/json" }).end('{"ok":true}\n');
  });
});

server.listen(Number(process.env["PORT"] ?? 0), "127.0.0.1", () => {
  console.log(`raw server listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
