export type Attempt =
  | { kind: "answer"; status: number; statusText: string; body: string }
  | { kind: "error"; reason: string };

/** One POST, within `timeoutMs` when given (the answer's body included); a failure is described, not thrown. */
export async function postDelivery(url: string, headers: Record<string, string>, body: string, timeoutMs?: number): Promise<Attempt> {
  try {
    const signal = timeoutMs === undefined ? null : AbortSignal.timeout(timeoutMs);
    // A redirect is an answer, as for GitHub: following it would turn the POST into a GET.
    const response = await fetch(url, { method: "POST", headers, body, redirect: "manual", signal });
    return { kind: "answer", status: response.status, statusText: response.statusText, body: await response.text() };
  } catch (error) {
    return { kind: "error", reason: describeFailure(error, timeoutMs) };
  }
}

function describeFailure(error: unknown, timeoutMs: number | undefined): string {
  if ((error as Error).name === "TimeoutError") return `no answer within ${(timeoutMs ?? 0) / 1000} s`;
  // fetch wraps the socket's error (ECONNREFUSED, ECONNRESET, ENOTFOUND…) as its cause
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.message ?? (error as Error).message ?? String(error);
  return `${cause?.code === "ECONNREFUSED" ? "connection refused" : "request failed"} (${detail.slice(0, 200)})`;
}
