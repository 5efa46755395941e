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
  const emit = (bytes: Buffer, all: boolean) => {
    const cut = all ? bytes.length : bytes.lastIndexOf(NEWLINE) + 1;
    if (!all && cut === 0 && unfinishedBytes + bytes.length <= MAX_UNFINISHED_LINE_BYTES) {
      if (bytes.length > 0) unfinished.push(bytes);
      unfinishedBytes += bytes.length;
      return;
    }
    const whole = cut === 0 ? bytes.length : cut;
    for (const part of unfinished) writer.write(part);
    writer.write(bytes.subarray(0, whole));
    unfinished = whole < bytes.length ? [bytes.subarray(whole)] : [];
    unfinishedBytes = bytes.length - whole;
  };
  return new Promise((resolve) => {
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      emit(masking.end(), true);
      resolve();
    };
    stream.on("data", (chunk: Buffer) => emit(masking.push(chunk), false));
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
