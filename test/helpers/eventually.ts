/** Polls an async condition until it holds (returns a truthy value), or fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, condition: () => Promise<T | false | null | undefined>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition().catch(() => undefined);
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
