import { open } from "node:fs/promises";
import { MAX_SECRET_BYTES, MIN_SECRET_CHARS, type SecretSource } from "../../config/secrets-types.js";
import { codeSpan } from "../../planning/code-span.js";
import { judgeSecrets, type SecretsRequest } from "../../planning/judge-secrets.js";
import { codeOf, readSecretsFile } from "./read-secrets-file.js";

export type RunSecrets = { ok: true; values: Record<string, string> } | { ok: false; reason: string };

/**
 * The values of the secrets a run may have, read now: the secrets file as it is when the run starts (parsed again
 * only when it changed), judged for this push, then each granted value from where the file says. A file source
 * loses one trailing line ending (`echo token > file` writes one, and a header value with a newline breaks);
 * its other bytes are kept. Reasons are Markdown-safe and never contain a value.
 */
export async function readRunSecrets(path: string, request: SecretsRequest, env: NodeJS.ProcessEnv): Promise<RunSecrets> {
  if (request.names.length === 0) return { ok: true, values: {} };
  const file = await readSecretsFile(path);
  if (!file.ok) return { ok: false, reason: file.reason };
  const verdict = judgeSecrets(file.secrets, request);
  if (!verdict.ok) return { ok: false, reason: verdict.reason };
  const values: Record<string, string> = {};
  for (const [name, source] of Object.entries(verdict.sources)) {
    const value = await resolveSource(source, env);
    if (!value.ok) return { ok: false, reason: `secret ${codeSpan(name)}: ${value.reason}` };
    values[name] = value.value;
  }
  return { ok: true, values };
}

async function resolveSource(source: SecretSource, env: NodeJS.ProcessEnv): Promise<{ ok: true; value: string } | { ok: false; reason: string }> {
  if ("value" in source) return { ok: true, value: source.value };
  if ("env" in source) {
    const value = env[source.env];
    const from = `variable ${codeSpan(source.env)} of gantry's environment`;
    if (value === undefined) return { ok: false, reason: `${from} is not set` };
    return checkValue(value, from);
  }
  const from = `file ${codeSpan(source.file)}`;
  let text: string;
  try {
    const handle = await open(source.file, "r");
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) return { ok: false, reason: `${from} is not a regular file` };
      if (stats.size > MAX_SECRET_BYTES) return { ok: false, reason: `${from} is larger than ${MAX_SECRET_BYTES / 1024} KiB` };
      text = await handle.readFile("utf8");
    } finally {
      await handle.close();
    }
  } catch (error) {
    return { ok: false, reason: `${from} cannot be read (${codeOf(error) ?? "error"})` };
  }
  return checkValue(text.replace(/\r?\n$/, ""), from);
}

function checkValue(value: string, from: string): { ok: true; value: string } | { ok: false; reason: string } {
  if (value.includes("\0")) return { ok: false, reason: `${from} contains a NUL character, which an environment variable cannot hold` };
  if (Buffer.byteLength(value, "utf8") > MAX_SECRET_BYTES) return { ok: false, reason: `${from} is larger than ${MAX_SECRET_BYTES / 1024} KiB` };
  if (Array.from(value.trim()).length < MIN_SECRET_CHARS) {
    return { ok: false, reason: `${from} holds a value shorter than ${MIN_SECRET_CHARS} characters, which cannot be masked in logs` };
  }
  return { ok: true, value };
}
