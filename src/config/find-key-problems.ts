import { isMap, isScalar, isSeq, type Document } from "yaml";
import type { ConfigProblem } from "./config-problem.js";
import type { PathSegment } from "./format-path.js";

/**
 * Keys the object form of the file would lose without a word, so they are checked on the document:
 * repeats (`1:` and `"1":` are distinct YAML keys but the same property) and `__proto__`, which zod drops from records.
 */
export function findKeyProblems(doc: Document): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const walk = (node: unknown, path: PathSegment[]) => {
    if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, [...path, index]));
      return;
    }
    if (!isMap(node)) return;
    const seen = new Set<string>();
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      const at = [...path, key];
      if (seen.has(key)) {
        // The path would lead to the first occurrence; the repeat is the one to point at.
        const offset = pair.key.range?.[0];
        const problem: ConfigProblem = { path, message: `${JSON.stringify(key)} appears twice in this mapping`, at, atKey: true };
        problems.push(offset === undefined ? problem : { ...problem, offset });
      } else if (key === "__proto__") {
        problems.push({ path, message: `"__proto__" cannot be used as a name`, at, atKey: true });
      } else {
        walk(pair.value, at);
      }
      seen.add(key);
    }
  };
  walk(doc.contents, []);
  return problems;
}
