/** A `::name key=value,…::message` line, unescaped. */
export interface WorkflowCommand {
  /** Lower-case, as GitHub compares command names. */
  command: string;
  /** A Map: keys are the step's, and `__proto__` must stay a key. */
  properties: Map<string, string>;
  message: string;
}

const COMMAND_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
const PROPERTY_ESCAPES: Record<string, string> = { "%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": "," };
const MESSAGE_ESCAPES: Record<string, string> = { "%25": "%", "%0D": "\r", "%0A": "\n" };

/**
 * Reads a workflow command the way GitHub's runner does: the line, after leading whitespace, starts with `::`
 * (ANSI codes are not removed: a coloured `::error` is text, as on GitHub); the command info runs to the next
 * `::`; properties are comma-separated `key=value`s. Escapes are GitHub's (properties: %25 %0D %0A %3A %2C;
 * message: %25 %0D %0A), undone in one pass. Null when the line is no command. `line` has no line break.
 */
export function parseWorkflowCommand(line: string): WorkflowCommand | null {
  const body = line.trimStart();
  if (!body.startsWith("::")) return null;
  const end = body.indexOf("::", 2);
  if (end === -1) return null;
  const info = body.slice(2, end);
  const space = info.indexOf(" ");
  const command = space === -1 ? info : info.slice(0, space);
  if (!COMMAND_NAME.test(command)) return null;
  const properties = new Map<string, string>();
  if (space !== -1) {
    for (const pair of info.slice(space + 1).split(",")) {
      const equals = pair.indexOf("=");
      if (equals <= 0) continue;
      properties.set(pair.slice(0, equals).trim(), unescape(pair.slice(equals + 1), /%(?:25|0D|0A|3A|2C)/g, PROPERTY_ESCAPES));
    }
  }
  return { command: command.toLowerCase(), properties, message: unescape(body.slice(end + 2), /%(?:25|0D|0A)/g, MESSAGE_ESCAPES) };
}

function unescape(text: string, escapes: RegExp, table: Record<string, string>): string {
  return text.includes("%") ? text.replace(escapes, (escape) => table[escape]!) : text;
}
