#!/usr/bin/env node
import { logProcessorFor } from "../worker/scanning/log-processor-for.js";
import { parseArgs } from "node:util";
import { config as loadDotenv } from "dotenv";
import { startNode } from "../app/start-node.js";
import { readSettings } from "../app/settings/read-settings.js";
import { answerHelp } from "./answer-help.js";
import { COMMANDS } from "./commands.js";
import { runLocal } from "./run-local.js";
import { sendCommand } from "./send-command.js";
import { UsageError } from "./usage-error.js";
import { usageOf } from "./usage-of.js";

/** The `gantry` bin: each command is a thin parse of argv over a function of its own. */
async function main(argv: string[]): Promise<number> {
  const answer = answerHelp(argv);
  if (answer !== null) {
    process.stdout.write(answer.stdout ?? "");
    process.stderr.write(answer.stderr ?? "");
    return answer.code;
  }
  const [command, ...rest] = argv;
  if (command === "run") {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: COMMANDS.run.options,
    });
    return runLocal({
      dir: positionals[0] ?? ".",
      ...(values.pipeline ? { pipeline: values.pipeline } : {}),
      ...(values.branch ? { branch: values.branch } : {}),
      sandbox: values["no-sandbox"] !== true,
      out: process.stdout,
      env: process.env,
      createLogProcessor: logProcessorFor,
    });
  }
  if (command === "send") {
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: COMMANDS.send.options,
    });
    return sendCommand(values, positionals[0], process.stdout, process.stderr);
  }
  if (command === "worker") {
    loadDotenv({ quiet: true });
    const settings = readSettings(process.env);
    if (!settings.redisUrl) throw new UsageError("worker needs REDIS_URL: workers share the queue of a server through Redis");
    if (settings.concurrency === 0) throw new UsageError("worker with GANTRY_CONCURRENCY=0 would run nothing");
    await startNode(settings, process.env, "worker");
    return new Promise<number>(() => {});
  }
  // answerHelp has answered every other command
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`gantry: ${error instanceof Error ? error.message : String(error)}\n`);
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) process.stderr.write(usageOf(process.argv[2]));
    // a worker refused at start-up has connections open by then (Redis) that would keep it alive, refused
    process.exit(2);
  },
);
