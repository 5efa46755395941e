import { COMMANDS, EXIT_CODES, isCommand, type CommandName } from "./commands.js";

/** The usage of one command, or of all of them. */
export function usageOf(command?: string): string {
  const names = command !== undefined && isCommand(command) ? [command] : (Object.keys(COMMANDS) as CommandName[]);
  const tail = `${command === undefined ? "  gantry --version | gantry help [command]\n" : ""}\n${EXIT_CODES}\n`;
  return `Usage:\n${names.map((name) => `  ${COMMANDS[name].usage}\n`).join("")}${tail}`;
}
