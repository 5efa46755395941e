import { createMatcher, type Matcher } from "./create-matcher.js";
import { maskForms, MIN_NEEDLE_BYTES } from "./mask-forms.js";

export const MASK = "***";
const MASK_BYTES = Buffer.from(MASK);

/** Masks one output stream chunk by chunk; holds back just enough bytes to see a secret split across chunks. */
export interface MaskStream {
  push(chunk: Buffer): Buffer;
  /** The held-back rest, masked: call it once, when the stream ends. */
  end(): Buffer;
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
    if (chunk.length === 0) return chunk;
    const data = this.tail.length === 0 ? chunk : Buffer.concat([this.tail, chunk]);
    return this.emit(data, Math.max(0, data.length - this.holdBack));
  }

  end(): Buffer {
    const data = this.tail;
    const out = this.emit(data, data.length);
    this.covered = null;
    return out;
  }

  /**
   * Emits data[0, limit) masked. Every match starting before `limit` lies wholly inside `data` (the hold-back is
   * the longest needle less one byte), so it is known now; a match reaching past `limit` is masked now and the
   * part of the tail it covers is remembered, so that a match overlapping it later adds no second `***`.
   */
  private emit(data: Buffer, limit: number): Buffer {
    const parts: Buffer[] = [];
    let pos = this.covered ?? 0;
    let open = this.covered !== null;
    this.matcher(data, limit, (start, end) => {
      if (!(open && start <= pos)) {
        if (start > pos) parts.push(data.subarray(pos, start));
        parts.push(MASK_BYTES);
        open = true;
      }
      if (end > pos) pos = end;
    });
    if (pos >= limit) {
      this.covered = open ? pos - limit : null;
    } else {
      parts.push(data.subarray(pos, limit));
      this.covered = null;
    }
    // a copy: the chunk it comes from is not kept alive, and later reads cannot change it
    this.tail = Buffer.from(data.subarray(limit));
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
}
