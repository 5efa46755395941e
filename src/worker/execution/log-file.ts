import { closeSync, constants, fstatSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/**
 * The log of one attempt of a run: children write to its descriptor directly; gantry only adds step headers
 * between them. It starts empty: a run put back by a shutdown keeps its attempt number, and starts its log again.
 */
export class LogFile {
  readonly path: string;
  readonly fd: number;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.path = path;
    // append mode: stdout and stderr of a child share it without overwriting each other
    this.fd = openSync(this.path, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_APPEND, 0o644);
  }

  write(text: string): void {
    writeSync(this.fd, text);
  }

  /** Bytes written so far, by gantry and the children. */
  size(): number {
    return fstatSync(this.fd).size;
  }

  close(): void {
    closeSync(this.fd);
  }
}
