/**
 * Waits for `promises` to settle, but no longer than `ms`: on shutdown, work that sits in GitHub's retries is
 * left to its lease (durable, taken again by another node or the next start) instead of holding the exit.
 */
export async function settleWithin(promises: Iterable<Promise<unknown>>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = Promise.allSettled(promises).then(() => true);
  if (ms === Infinity) return settled;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
