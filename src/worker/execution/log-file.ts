import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";

/** The log of one run: children write to its descriptor directly; gantry only adds step headers between them. */
export class LogFile {
  readonly path: string;
  readonly fd: number;

  constructor(dir: string, runId: string) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, `${runId}.log`);
    // append mode: stdout and stderr of a child share it without overwriting each other
    this.fd = openSync(this.path, "a");
  }

  write(text: string): void {
    writeSync(this.fd, text);
  }

  close(): void {
    closeSync(this.fd);
  }
}

export function logPath(dir: string, runId: string): string {
  return join(dir, `${runId}.log`);
}
