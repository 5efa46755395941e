#!/usr/bin/env node
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { config as loadDotenv } from "dotenv";
import { startNode } from "../boot/start-node.js";
import { readSettings } from "../settings/read-settings.js";
import { buildPushPayload } from "./build-push-payload.js";
import { runLocal } from "./run-local.js";
import { sendDelivery } from "./send-delivery.js";

const USAGE = `Usage:
  gantry run [dir] [--pipeline NAME] [--branch NAME]
      Run dir's .github/gantry.yml (default: .) against its HEAD, as a push would.
  gantry send [payload.json] --url URL --secret SECRET [--event push] [--installation ID]
      Sign a delivery and post it; without a file, a push payload for the local HEAD.
  gantry worker
      Run pipelines from the shared queue (needs REDIS_URL; settings as for npm start).
`;

/** The `gantry` bin: each command is a thin parse of argv over a function of its own. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "run") {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { pipeline: { type: "string" }, branch: { type: "string" } },
    });
    return runLocal({
      dir: positionals[0] ?? ".",
      ...(values.pipeline ? { pipeline: values.pipeline } : {}),
      ...(values.branch ? { branch: values.branch } : {}),
      out: process.stdout,
      env: process.env,
    });
  }
  if (command === "send") {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        url: { type: "string" },
        secret: { type: "string" },
        event: { type: "string", default: "push" },
        installation: { type: "string" },
        dir: { type: "string", default: "." },
      },
    });
    if (!values.url || !values.secret) throw new UsageError("send needs --url and --secret");
    const installationId = values.installation === undefined ? undefined : Number(values.installation);
    if (installationId !== undefined && !Number.isInteger(installationId)) {
      throw new UsageError(`--installation "${values.installation}" is not a number`);
    }
    const payload = positionals[0]
      ? await readFile(positionals[0], "utf8")
      : JSON.stringify(await buildPushPayload(values.dir, installationId === undefined ? {} : { installationId }));
    const result = await sendDelivery({ url: values.url, secret: values.secret, event: values.event, payload });
    process.stdout.write(`${result.status} (delivery ${result.deliveryId})\n${result.body}${result.body.endsWith("\n") ? "" : "\n"}`);
    return result.status >= 200 && result.status < 300 ? 0 : 1;
  }
  if (command === "worker") {
    loadDotenv({ quiet: true });
    const settings = readSettings(process.env);
    if (!settings.redisUrl) throw new UsageError("worker needs REDIS_URL: workers share the queue of a server through Redis");
    if (settings.concurrency === 0) throw new UsageError("worker with GANTRY_CONCURRENCY=0 would run nothing");
    await startNode(settings, process.env, "worker");
    return new Promise<number>(() => {});
  }
  process.stdout.write(USAGE);
  return command === undefined || command === "help" || command === "--help" ? 0 : 2;
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`gantry: ${error instanceof Error ? error.message : String(error)}\n`);
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) process.stderr.write(USAGE);
    process.exitCode = 2;
  },
);
