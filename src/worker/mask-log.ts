import type { Logger } from "probot";
import type { Masker } from "./execution/masking/create-masker.js";

const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal"]);
/** How deep fields are looked into: log fields are shallow; a cycle must not hang a log call. */
const MAX_DEPTH = 6;

/**
 * A run's logger that masks its secret values (in every form the masker knows) in whatever it logs: messages,
 * fields and errors, its children's too. gantry never logs a step's output, but an error message can quote
 * anything (a URL, a command's stderr); this is the last line of defence in gantry's own log.
 */
export function maskLog(log: Logger, masker: Masker): Logger {
  const masked = (value: unknown, depth = 0): unknown => {
    if (typeof value === "string") return masker.mask(value);
    if (depth >= MAX_DEPTH || value === null || typeof value !== "object") return value;
    if (value instanceof Error) {
      // pino would serialize it; the masked copy keeps what its serializer shows
      return { type: value.name, message: masker.mask(value.message), stack: masker.mask(value.stack ?? ""), ...(masked({ ...value }, depth + 1) as object) };
    }
    if (Array.isArray(value)) return value.map((item) => masked(item, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, masked(item, depth + 1)]));
  };
  return new Proxy(log, {
    get(target, property, receiver) {
      const original: unknown = Reflect.get(target, property, receiver);
      if (typeof original !== "function" || typeof property !== "string") return original;
      if (LEVELS.has(property)) return (...args: unknown[]) => original.apply(target, args.map((arg) => masked(arg)));
      if (property === "child") return (...args: unknown[]) => maskLog(original.apply(target, args.map((arg) => masked(arg))) as Logger, masker);
      return original;
    },
  });
}
