import type { ChildProcess } from "node:child_process";
import { writeSync } from "node:fs";
import type { Readable } from "node:stream";
import { killGroup } from "../kill-group.js";
import type { Masker, MaskStream } from "./create-masker.js";

/** How long pipes may stay open after the step exited, held by a process that left its group. */
const CLOSE_AFTER_EXIT_MS = 1_000;

/**
 * Appends a child's stdout and stderr (pipes) to `logFd` through a masker, each through its own MaskStream so
 * that a secret split across two writes is still seen. Writes are synchronous: a child printing faster than the
 * disk takes it waits on a full pipe, and nothing piles up in memory. Resolves once both streams ended and their
 * held-back bytes are written.
 *
 * With pipes, a step would last as long as anything holds them open: what it left running in its process group
 * is killed as soon as it exits (runProcess does so at its end anyway), and pipes still open a moment later are
 * closed.
 */
export function pipeMasked(subprocess: Pick<ChildProcess, "pid" | "stdout" | "stderr" | "once">, logFd: number, masker: Masker): Promise<void> {
  const pipes = [subprocess.stdout, subprocess.stderr].filter((stream): stream is Readable => stream !== null);
  const piped = Promise.all(pipes.map((stream) => pipeOne(stream, logFd, masker.stream()))).then(() => undefined);
  subprocess.once("exit", () => {
    if (subprocess.pid !== undefined) killGroup(subprocess.pid, "SIGKILL");
    const closer = setTimeout(() => {
      for (const stream of pipes) stream.destroy();
    }, CLOSE_AFTER_EXIT_MS);
    void piped.finally(() => clearTimeout(closer));
  });
  return piped;
}

function pipeOne(stream: Readable, logFd: number, masking: MaskStream): Promise<void> {
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      writeAll(logFd, masking.end());
      resolve();
    };
    stream.on("data", (chunk: Buffer) => writeAll(logFd, masking.push(chunk)));
    stream.once("end", finish);
    // destroyed before its end: what was read is still written
    stream.once("close", finish);
    stream.once("error", () => undefined);
  });
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset);
}
