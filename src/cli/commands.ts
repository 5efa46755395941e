import type { ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Command {
  /** First line(s) of the command's help: how to call it and what it does. */
  usage: string;
  options: Options;
}

/** Every command of the `gantry` bin: its options (parsed with node:util parseArgs) and its help. */
export const COMMANDS = {
  run: {
    usage: `gantry run [dir] [--pipeline NAME] [--branch NAME] [--no-sandbox]
      Run dir's .github/gantry.yml (default: .) against its HEAD, as a push would.
      Steps run in the server's bubblewrap sandbox when bwrap works here; --no-sandbox runs them as plain processes.
      Ctrl-C stops the steps, removes the workspace and exits 130.`,
    options: { pipeline: { type: "string" }, branch: { type: "string" }, "no-sandbox": { type: "boolean" } },
  },
  send: {
    usage: `gantry send [payload.json] --url URL --secret SECRET [--event push] [--installation ID] [--dir DIR]
                 [--retries 3] [--timeout 10] [--backoff 1]
      Sign a delivery and post it; without a file, a push payload for DIR's HEAD (default: .).
      Retries connection errors, timeouts (--timeout seconds per attempt) and 5xx answers up to --retries
      times, waiting about --backoff seconds, then twice as long each time; a 4xx answer is final.`,
    options: {
      url: { type: "string" },
      secret: { type: "string" },
      event: { type: "string", default: "push" },
      installation: { type: "string" },
      dir: { type: "string", default: "." },
      retries: { type: "string", default: "3" },
      timeout: { type: "string", default: "10" },
      backoff: { type: "string", default: "1" },
    },
  },
  worker: {
    usage: `gantry worker
      Run pipelines from the shared queue (needs REDIS_URL; settings as for npm start).`,
    options: {},
  },
} satisfies Record<string, Command>;

export type CommandName = keyof typeof COMMANDS;

export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

export const EXIT_CODES = `Exit codes: 0 success, 1 a pipeline or delivery failed, 2 usage or config error, 130 interrupted (143 on SIGTERM, 129 on SIGHUP).`;
