import type * as z from "zod";
import { describeValue } from "./describe-value.js";

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping",
  record: "a mapping",
};

/** Fallback messages for issues the schema does not word itself, in the same `<value> is not <kind>` voice. */
export const describeIssue: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== "invalid_type") return undefined;
  const expected = EXPECTED[issue.expected] ?? issue.expected;
  return `${describeValue(issue.input)} is not ${expected}`;
};
