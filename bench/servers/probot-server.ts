import { Probot, Server } from "probot";

// Baseline (b): a bare Probot 14 server with an empty push handler, built as Probot's docs build one.
// Server ignores port 0 (it falls back to 3000), so the bench hands it a free port.
const port = Number(process.env["PORT"]);
const server = new Server({
  Probot: Probot.defaults({
    appId: process.env["APP_ID"]!,
    privateKey: process.env["PRIVATE_KEY"]!,
    secret: process.env["WEBHOOK_SECRET"]!,
  }),
  port,
  host: "127.0.0.1",
});
await server.load((app) => {
  app.on("push", async () => {});
});
await server.start();
console.log(`probot server listening on http://127.0.0.1:${port}`);
process.on("SIGTERM", () => void server.stop().then(() => process.exit(0)));
