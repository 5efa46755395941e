import { Probot, Server } from "probot";

// The old baseline, kept for comparison: a bare Probot 14 Server built as Probot's README builds one, with no
// logger handed in, so Server falls back to getLog(): pretty-printed, at info, whatever LOG_LEVEL says. Its
// pino-http logger pretty-prints one line per request, which gantry (logging JSON, nothing per request) never pays.
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
