import type { ConfigError } from "./config-types.js";

/** `file:line:column: path: message`, the shape editors and CI logs turn into links. */
export function formatConfigError(error: ConfigError): string {
  const where = `${error.file}:${error.line}:${error.column}`;
  return error.path === "" ? `${where}: ${error.message}` : `${where}: ${error.path}: ${error.message}`;
}
