/** Called for every occurrence of a needle, in order of start: [start, end) in the scanned buffer, and which needle (its index). */
export type OnMatch = (start: number, end: number, needle: number) => void;

/** Finds every occurrence, overlapping ones included, of a needle starting before `limit`. */
export type Matcher = (data: Buffer, limit: number, onMatch: OnMatch) => void;

/**
 * A Wu–Manber matcher over bytes: a window as long as the shortest needle slides along the data, and a table
 * indexed by its last two bytes says how far it may jump; only where it may not jump are the needles compared.
 * Measured against Buffer.indexOf per needle, a byte-wise Aho–Corasick automaton and a latin1 RegExp
 * alternation, it is the only one that scans ordinary log text at several GiB/s (see BENCHMARKS.md).
 */
export function createMatcher(needles: readonly Buffer[]): Matcher {
  if (needles.length === 0) return () => undefined;
  const window = Math.min(...needles.map((needle) => needle.length));
  if (window < 2) throw new Error(`createMatcher: a needle of ${window} byte(s) is too short`);
  const shifts = new Uint8Array(1 << 16).fill(Math.min(255, window - 1));
  const buckets = new Map<number, number[]>();
  for (const [index, needle] of needles.entries()) {
    for (let j = 1; j < window; j++) {
      const key = (needle[j - 1]! << 8) | needle[j]!;
      shifts[key] = Math.min(shifts[key]!, window - 1 - j);
    }
    const key = (needle[window - 2]! << 8) | needle[window - 1]!;
    const bucket = buckets.get(key) ?? [];
    buckets.set(key, [...bucket, index]);
  }
  // longest first would not matter: every needle of the bucket is tried and reported
  const candidates: Array<number[] | undefined> = new Array<number[] | undefined>(1 << 16);
  for (const [key, bucket] of buckets) candidates[key] = bucket;
  // Wu and Manber's prefix table: the window's first two bytes must start some needle of the bucket. Short
  // needles end their window in common bigrams ("Error: " in "or", ": error: " in "rr"): without it, nearly
  // every word "error" of a build log was compared against each needle of its bucket.
  const prefixes = new Uint8Array(1 << 16);
  for (const needle of needles) prefixes[(needle[0]! << 8) | needle[1]!] = 1;

  return (data, limit, onMatch) => {
    // i is the window's last byte; a needle starting at s ends its window at s + window - 1
    const stop = Math.min(data.length, limit + window - 1);
    let i = window - 1;
    while (i < stop) {
      const key = (data[i - 1]! << 8) | data[i]!;
      const shift = shifts[key]!;
      if (shift !== 0) {
        i += shift;
        continue;
      }
      const start = i - window + 1;
      if (prefixes[(data[start]! << 8) | data[start + 1]!] === 0) {
        i++;
        continue;
      }
      for (const index of candidates[key]!) {
        const needle = needles[index]!;
        const end = start + needle.length;
        if (end <= data.length && startsWith(data, start, needle)) onMatch(start, end, index);
      }
      i++;
    }
  };
}

// A byte loop: Buffer#compare with offsets validates its arguments on every call, which made verifying short
// needles (the problem matchers' triggers hit common bigrams) 25 times slower than this.
function startsWith(data: Buffer, start: number, needle: Buffer): boolean {
  for (let j = 0; j < needle.length; j++) if (data[start + j] !== needle[j]) return false;
  return true;
}
