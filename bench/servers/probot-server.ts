import { run } from "probot";

// The fair baseline: an empty push handler under Probot's own `run` (what `probot run` does), so the logger is
// the one Probot builds from the environment: getLog with the same LOG_LEVEL and LOG_FORMAT the bench gives
// gantry. Its work per delivery: read the body, verify X-Hub-Signature-256, parse the JSON, run the handler,
// answer; plus pino-http's request line when LOG_LEVEL lets info through. Nothing is stored.
// Server ignores port 0 (it falls back to 3000), so the bench hands it a free port in PORT, as it does HOST.
const server = await run((app) => {
  app.on("push", async () => {});
});
// run's own "Listening on" line is at info: not printed at LOG_LEVEL=warn
console.log(`probot server listening on http://127.0.0.1:${process.env["PORT"]}`);
process.on("SIGTERM", () => void server.stop().then(() => process.exit(0)));
