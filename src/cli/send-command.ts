import { readFile } from "node:fs/promises";
import { buildPushPayload } from "./build-push-payload.js";
import type { Attempt } from "./post-delivery.js";
import { sendWithRetries } from "./send-with-retries.js";
import { UsageError } from "./usage-error.js";

export interface SendValues {
  url?: string | undefined;
  secret?: string | undefined;
  event: string;
  installation?: string | undefined;
  dir: string;
  retries: string;
  timeout: string;
  backoff: string;
}

/**
 * `gantry send`: each attempt's outcome on stderr, the last answer on stdout. Exits 0 on a 2xx answer,
 * 1 when every attempt failed or the answer was final and not 2xx.
 */
export async function sendCommand(values: SendValues, file: string | undefined, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  if (!values.url || !values.secret) throw new UsageError("send needs --url and --secret");
  const installationId = values.installation === undefined ? undefined : Number(values.installation);
  if (installationId !== undefined && !Number.isInteger(installationId)) {
    throw new UsageError(`--installation "${values.installation}" is not a number`);
  }
  const retries = readNumber("--retries", values.retries, (n) => Number.isInteger(n) && n >= 0 && n <= 20, "a whole number from 0 to 20");
  const timeout = readNumber("--timeout", values.timeout, (n) => n > 0 && n <= 600, "a number of seconds above 0, at most 600");
  const backoff = readNumber("--backoff", values.backoff, (n) => n >= 0 && n <= 60, "a number of seconds from 0 to 60");

  const payload = file
    ? await readFile(file, "utf8")
    : JSON.stringify(await buildPushPayload(values.dir, installationId === undefined ? {} : { installationId }));
  if (payload === "") throw new UsageError(`${file} is empty: a delivery needs a JSON payload`);
  const result = await sendWithRetries({
    url: values.url,
    secret: values.secret,
    event: values.event,
    payload,
    retries,
    timeoutMs: timeout * 1000,
    backoffMs: backoff * 1000,
    onAttempt: (attempt, number, of, retryInMs) => {
      const next = retryInMs !== null ? `; retrying in ${(retryInMs / 1000).toFixed(1)} s` : finalNote(attempt, number, of);
      err.write(`attempt ${number}/${of}: ${describe(attempt)}${next}\n`);
    },
  });
  const { last } = result;
  if (last.kind === "error") {
    err.write(`gantry send: no attempt got an answer (delivery ${result.deliveryId})\n`);
    return 1;
  }
  out.write(`${last.status} (delivery ${result.deliveryId})\n${last.body}${last.body.endsWith("\n") ? "" : "\n"}`);
  return last.status >= 200 && last.status < 300 ? 0 : 1;
}

function describe(attempt: Attempt): string {
  return attempt.kind === "error" ? attempt.reason : `${attempt.status} ${attempt.statusText}`.trimEnd();
}

function finalNote(attempt: Attempt, number: number, of: number): string {
  if (attempt.kind === "answer" && attempt.status < 500) return attempt.status < 300 ? "" : "; not retried (only 5xx answers are)";
  return number === of ? `; giving up after ${of} attempt${of === 1 ? "" : "s"}` : "";
}

function readNumber(option: string, text: string, valid: (n: number) => boolean, expected: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || !valid(n)) throw new UsageError(`${option} "${text}" is not ${expected}`);
  return n;
}
