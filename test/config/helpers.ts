import { formatConfigError, parseConfig, type GantryConfig } from "../../src/config/parse-config.js";

/** Joins lines so a test can count them: element i is line i + 1. */
export function yaml(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

/** Every error of an invalid config as `file:line:column: path: message`, which pins position, path and wording at once. */
export function errorsOf(text: string): string[] {
  const result = parseConfig(text);
  if (result.ok) throw new Error(`expected errors, got a valid config: ${JSON.stringify(result.config)}`);
  return result.errors.map(formatConfigError);
}

export function configOf(text: string): GantryConfig {
  const result = parseConfig(text);
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.errors.map(formatConfigError).join("\n")}`);
  return result.config;
}
