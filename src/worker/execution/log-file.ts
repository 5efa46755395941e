import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/** The log of one run: children write to its descriptor directly; gantry only adds step headers between them. */
export class LogFile {
  readonly path: string;
  readonly fd: number;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.path = path;
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
