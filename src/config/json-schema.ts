import * as z from "zod";
import { configSchema } from "./schema.js";

/**
 * JSON Schema for editors (yaml-language-server and the like). It describes the file as written, so `io: "input"`:
 * defaulted options are optional. Checks zod runs in code (durations over 24h, needs cycles) are not expressible and are left out.
 */
export function buildJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { target: "draft-2020-12", io: "input" });
}
