import { isAlias, isMap, isScalar, isSeq, type Document } from "yaml";
import type { PathSegment } from "./format-path.js";

/**
 * The node at `path` below `from` (default: the document's root) with aliases followed, or `undefined`.
 * Keys compare as text because the config sees them as object keys.
 */
export function findNode(doc: Document, path: readonly PathSegment[], from: unknown = doc.contents): unknown {
  let node: unknown = resolve(doc, from);
  for (const segment of path) {
    if (isMap(node)) {
      node = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment))?.value;
    } else if (isSeq(node) && typeof segment === "number") {
      node = node.items[segment];
    } else {
      return undefined;
    }
    node = resolve(doc, node);
  }
  return node ?? undefined;
}

function resolve(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}
