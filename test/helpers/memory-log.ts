import { Writable } from "node:stream";
import { pino } from "pino";
import type { Logger } from "probot";

/** A real pino logger whose JSON lines are kept for assertions. */
export function memoryLog(): { log: Logger; lines: () => string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      callback();
    },
  });
  return { log: pino({ level: "debug" }, stream) as unknown as Logger, lines: () => lines };
}
