import { createMatcher, type Matcher } from "./create-matcher.js";
import { maskForms, MIN_NEEDLE_BYTES } from "./mask-forms.js";

export const MASK = "***";
const MASK_BYTES = Buffer.from(MASK);

/** Masks one output stream chunk by chunk; holds back just enough bytes to see a secret split across chunks. */
export interface MaskStream {
  push(chunk: Buffer): Buffer;
  /** The held-back rest, masked: call it once, when the stream ends. */
  end(): Buffer;
  /** push, as slices of the input and `***`s in order: the chunk is not copied (for writev). */
  pushParts(chunk: Buffer): Buffer[];
  endParts(): Buffer[];
}

export interface Masker {
  mask(text: string): string;
  /** A new stream: each output stream (stdout, stderr) needs its own. */
  stream(): MaskStream;
}

/**
 * Replaces every form of every secret (see maskForms) by `***`; where matches overlap or touch, their union
 * becomes one `***`. Matching is on UTF-8 bytes. Null when there is no secret: callers keep their direct path.
 */
export function createMasker(secrets: readonly string[]): Masker | null {
  const needles = [...new Set(secrets.flatMap(maskForms))].map((form) => Buffer.from(form, "utf8")).filter((needle) => needle.length >= MIN_NEEDLE_BYTES);
  if (needles.length === 0) return null;
  const matcher = createMatcher(needles);
  const holdBack = Math.max(...needles.map((needle) => needle.length)) - 1;
  const stream = (): MaskStream => new Stream(matcher, holdBack);
  return {
    stream,
    mask(text) {
      const masking = stream();
      return Buffer.concat([masking.push(Buffer.from(text, "utf8")), masking.end()]).toString("utf8");
    },
  };
}

class Stream implements MaskStream {
  /** Bytes not yet emitted: a secret may start in them and end in the next chunk. */
  private tail: Buffer = Buffer.alloc(0);
  /** How many of the tail's first bytes the last `***` emitted already covers (null: it does not reach the tail). */
  private covered: number | null = null;

  constructor(
    private readonly matcher: Matcher,
    private readonly holdBack: number,
  ) {}

  push(chunk: Buffer): Buffer {
    return joined(this.pushParts(chunk));
  }

  end(): Buffer {
    return joined(this.endParts());
  }

  pushParts(chunk: Buffer): Buffer[] {
    if (chunk.length === 0) return [];
    return this.emit(chunk, Math.max(0, this.tail.length + chunk.length - this.holdBack));
  }

  endParts(): Buffer[] {
    const parts = this.emit(Buffer.alloc(0), this.tail.length);
    this.covered = null;
    return parts;
  }

  /**
   * Emits bytes [0, limit) of tail + chunk, masked, without joining the two: matches starting in the tail are
   * looked for in the tail and the chunk's first bytes, the others in the chunk. Every match starting before
   * `limit` lies wholly in tail + chunk (the hold-back is the longest needle less one byte), so it is known now;
   * a match reaching past `limit` is masked now and the part of the new tail it covers is remembered, so that a
   * match overlapping it later adds no second `***`.
   */
  private emit(chunk: Buffer, limit: number): Buffer[] {
    const tail = this.tail;
    const parts: Buffer[] = [];
    // [from, to) of tail + chunk, as slices of either
    const slice = (from: number, to: number) => {
      if (from < tail.length) parts.push(tail.subarray(from, Math.min(to, tail.length)));
      if (to > tail.length) parts.push(chunk.subarray(Math.max(0, from - tail.length), to - tail.length));
    };
    let pos = this.covered ?? 0;
    let open = this.covered !== null;
    const onMatch = (start: number, end: number) => {
      if (!(open && start <= pos)) {
        if (start > pos) slice(pos, start);
        parts.push(MASK_BYTES);
        open = true;
      }
      if (end > pos) pos = end;
    };
    if (tail.length > 0) {
      const junction = Buffer.concat([tail, chunk.subarray(0, this.holdBack)]);
      this.matcher(junction, Math.min(tail.length, limit), onMatch);
    }
    if (limit > tail.length) this.matcher(chunk, limit - tail.length, (start, end) => onMatch(start + tail.length, end + tail.length));
    if (pos >= limit) {
      this.covered = open ? pos - limit : null;
    } else {
      slice(pos, limit);
      this.covered = null;
    }
    // a copy: the chunk it comes from is not kept alive, and later reads cannot change it
    this.tail = limit >= tail.length ? Buffer.from(chunk.subarray(limit - tail.length)) : Buffer.concat([tail.subarray(limit), chunk]);
    return parts;
  }
}

function joined(parts: Buffer[]): Buffer {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
