export type PathSegment = string | number;

const PLAIN_SEGMENT = /^[A-Za-z0-9_-]+$/;

/** `["pipelines", "build", "steps", 0, "run"]` → `pipelines.build.steps[0].run`; keys with dots or odd characters are quoted so the path stays unambiguous. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (PLAIN_SEGMENT.test(segment)) text += text === "" ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}
