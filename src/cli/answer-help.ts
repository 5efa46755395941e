import { parseArgs } from "node:util";
import { COMMANDS, isCommand } from "./commands.js";
import { usageOf } from "./usage-of.js";
import { readVersion } from "./read-version.js";

export interface Answer {
  code: number;
  stdout?: string;
  stderr?: string;
}

const META = { help: { type: "boolean", short: "h" }, version: { type: "boolean" } } as const;

/**
 * What the bin answers without running a command: help, the version, an unknown command or option.
 * `null` when argv is a command to run, with options its parser will accept.
 */
export function answerHelp(argv: readonly string[]): Answer | null {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h") return { code: 0, stdout: usageOf() };
  if (command === "--version") return { code: 0, stdout: `gantry ${readVersion()}\n` };
  if (command === "help") {
    const topic = rest[0];
    if (topic === undefined) return { code: 0, stdout: usageOf() };
    return isCommand(topic) ? { code: 0, stdout: usageOf(topic) } : unknownCommand(topic);
  }
  if (!isCommand(command)) return unknownCommand(command);

  // Asking for help wins over any other mistake on the line, as with git.
  const options = { ...COMMANDS[command].options, ...META };
  const { tokens } = parseArgs({ args: [...rest], options, strict: false, allowPositionals: true, tokens: true });
  const asked = new Set(tokens.flatMap((token) => (token.kind === "option" ? [token.name] : [])));
  if (asked.has("help")) return { code: 0, stdout: usageOf(command) };
  if (asked.has("version")) return { code: 0, stdout: `gantry ${readVersion()}\n` };
  try {
    parseArgs({ args: [...rest], options, strict: true, allowPositionals: command !== "worker" });
  } catch (error) {
    return { code: 2, stderr: `gantry ${command}: ${(error as Error).message}\n${usageOf(command)}` };
  }
  return null;
}

function unknownCommand(name: string): Answer {
  return { code: 2, stderr: `gantry: unknown command "${name.slice(0, 60)}"\n${usageOf()}` };
}
