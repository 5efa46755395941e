import type { ChildProcess } from "node:child_process";
import { writev } from "node:fs";
import type { Readable } from "node:stream";
import { killGroup } from "../kill-group.js";
import type { Masker } from "./create-masker.js";

/** How long pipes may stay open after the step exited, held by a process that left its group. */
const CLOSE_AFTER_EXIT_MS = 1_000;
/** Masked bytes waiting for the disk beyond which the pipes are no longer read: the child then waits. */
const MAX_PENDING_BYTES = 4 * 2 ** 20;
/** A line longer than this is written in pieces, as it would be without masking. */
const MAX_UNFINISHED_LINE_BYTES = 64 * 2 ** 10;
const NEWLINE = 0x0a;

/**
 * Appends a child's stdout and stderr (pipes) to `logFd` through a masker, each through its own MaskStream so
 * that a secret split across two writes is still seen. The disk writes run beside the reads (one at a time,
 * so each stream keeps its order); past MAX_PENDING_BYTES the pipes are paused, so a child printing faster
 * than the disk takes it waits on a full pipe and nothing piles up. Resolves once both streams ended and
 * everything is written. A failed write (disk full) drops the output that follows; the step goes on.
 *
 * With pipes, a step would last as long as anything holds them open: what it left running in its process group
 * is killed as soon as it exits (runProcess does so at its end anyway), and pipes still open a moment later are
 * closed.
 */
export function pipeMasked(subprocess: Pick<ChildProcess, "pid" | "stdout" | "stderr" | "once">, logFd: number, masker: Masker): Promise<void> {
  const pipes = [subprocess.stdout, subprocess.stderr].filter((stream): stream is Readable => stream !== null);
  const writer = new Writer(logFd, pipes);
  const piped = Promise.all(pipes.map((stream) => pipeOne(stream, masker, writer))).then(() => writer.drained());
  subprocess.once("exit", () => {
    if (subprocess.pid !== undefined) killGroup(subprocess.pid, "SIGKILL");
    const closer = setTimeout(() => {
      for (const stream of pipes) stream.destroy();
    }, CLOSE_AFTER_EXIT_MS);
    void piped.finally(() => clearTimeout(closer));
  });
  return piped;
}

function pipeOne(stream: Readable, masker: Masker, writer: Writer): Promise<void> {
  const masking = masker.stream();
  // the masker holds bytes back, which would let the other stream's output land inside a line of this one:
  // this stream's bytes go to the log up to their last newline, the unfinished line waits (up to a bound)
  let unfinished: Buffer[] = [];
  let unfinishedBytes = 0;
  const emit = (parts: Buffer[], all: boolean) => {
    // the part holding the last newline, and where the line ends in it
    let cut = -1;
    let at = 0;
    for (let i = parts.length - 1; i >= 0 && !all; i--) {
      const newline = parts[i]!.lastIndexOf(NEWLINE);
      if (newline !== -1) {
        [cut, at] = [i, newline + 1];
        break;
      }
    }
    const bytes = parts.reduce((sum, part) => sum + part.length, 0);
    if (!all && cut === -1 && unfinishedBytes + bytes <= MAX_UNFINISHED_LINE_BYTES) {
      unfinished.push(...parts);
      unfinishedBytes += bytes;
      return;
    }
    // at the end, or a line too long to wait for: everything goes
    if (cut === -1) [cut, at] = [parts.length - 1, parts.at(-1)?.length ?? 0];
    for (const part of unfinished) writer.write(part);
    for (let i = 0; i < cut; i++) writer.write(parts[i]!);
    const rest = cut >= 0 ? [parts[cut]!.subarray(at), ...parts.slice(cut + 1)].filter((part) => part.length > 0) : [];
    if (cut >= 0) writer.write(parts[cut]!.subarray(0, at));
    unfinished = rest;
    unfinishedBytes = rest.reduce((sum, part) => sum + part.length, 0);
  };
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      emit(masking.endParts(), true);
      resolve();
    };
    stream.on("data", (chunk: Buffer) => emit(masking.pushParts(chunk), false));
    stream.once("end", finish);
    // destroyed before its end: what was read is still written
    stream.once("close", finish);
    stream.once("error", () => undefined);
  });
}

/** One write at a time to the descriptor, of everything queued since the last one. */
class Writer {
  private queue: Buffer[] = [];
  private pending = 0;
  private busy = false;
  private failed = false;
  private idle: Array<() => void> = [];

  constructor(
    private readonly fd: number,
    private readonly sources: readonly Readable[],
  ) {}

  write(bytes: Buffer): void {
    if (bytes.length === 0 || this.failed) return;
    this.queue.push(bytes);
    this.pending += bytes.length;
    if (this.pending > MAX_PENDING_BYTES) for (const source of this.sources) source.pause();
    this.next();
  }

  drained(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private next(): void {
    if (this.busy) return;
    if (this.queue.length === 0) {
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    const batch = this.queue;
    this.queue = [];
    this.busy = true;
    writeBatch(this.fd, batch, (error) => {
      this.busy = false;
      this.pending -= batch.reduce((sum, bytes) => sum + bytes.length, 0);
      if (error) {
        this.failed = true;
        this.queue = [];
        this.pending = 0;
      }
      if (this.pending <= MAX_PENDING_BYTES / 2) for (const source of this.sources) source.resume();
      this.next();
    });
  }
}

/** writev until every byte is written: a short write (a signal, a full disk on the way) writes the rest. */
function writeBatch(fd: number, batch: Buffer[], done: (error: Error | null) => void): void {
  writev(fd, batch, (error, written) => {
    if (error) return done(error);
    let rest = written;
    const left: Buffer[] = [];
    for (const bytes of batch) {
      if (rest >= bytes.length) rest -= bytes.length;
      else {
        left.push(bytes.subarray(rest));
        rest = 0;
      }
    }
    if (left.length === 0) done(null);
    else writeBatch(fd, left, done);
  });
}
