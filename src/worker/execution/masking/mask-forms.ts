/** Needles shorter than this match too much ordinary output; shorter secrets are refused where they are read. */
export const MIN_NEEDLE_BYTES = 4;
/** Where `base64` (GNU coreutils, 76) and `openssl base64` (64) break their output into lines. */
const WRAP_WIDTHS = [76, 64];

/**
 * Every text a step could print that gives one secret away: the value itself, its base64 (standard and URL-safe)
 * at each of the three byte alignments it can have inside a longer encoded stream, its URL-encoded and
 * JSON-escaped forms, each line of a multi-line value, and each line of its base64 wrapped the way the usual tools
 * wrap it when the secret is piped in alone (`base64` at 76 columns, `openssl base64` at 64). Deduplicated; each
 * at least MIN_NEEDLE_BYTES in UTF-8. Not covered: other encodings (hex, gzip...), wrapped base64 of a secret that
 * starts inside a longer input.
 */
export function maskForms(secret: string): string[] {
  const forms = new Set<string>([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)]);
  const bytes = Buffer.from(secret, "utf8");
  for (const offset of [0, 1, 2]) {
    const standard = base64Core(bytes, offset);
    forms.add(standard);
    forms.add(standard.replaceAll("+", "-").replaceAll("/", "_"));
  }
  const whole = base64Core(bytes, 0);
  for (const width of WRAP_WIDTHS) {
    if (whole.length <= width) continue;
    for (let at = 0; at < whole.length; at += width) {
      const line = whole.slice(at, at + width);
      forms.add(line);
      forms.add(line.replaceAll("+", "-").replaceAll("/", "_"));
    }
  }
  const lines = secret.split(/\r?\n/);
  if (lines.length > 1) for (const line of lines) if (line.length >= MIN_NEEDLE_BYTES) forms.add(line);
  return [...forms].filter((form) => Buffer.byteLength(form, "utf8") >= MIN_NEEDLE_BYTES);
}

/**
 * The base64 characters that depend on the secret's bytes alone when `offset` unknown bytes precede it in its
 * 3-byte group and unknown bytes follow: each character carries 6 bits, so those mixing in a neighbour's bits
 * (and the '=' padding) are left out. Encoding zeros in place of the unknown bytes and slicing is the same thing.
 */
function base64Core(bytes: Buffer, offset: number): string {
  const firstBit = 8 * offset;
  const lastBit = firstBit + 8 * bytes.length;
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
  return encoded.slice(Math.ceil(firstBit / 6), Math.floor(lastBit / 6));
}
