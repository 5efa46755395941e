import { isMap, isScalar, type Document } from "yaml";
import { findNode } from "./find-node.js";
import type { PathSegment } from "./format-path.js";

/**
 * Keys of the mapping at `path` in source order. Plain objects put integer-like keys ("1", "42") first,
 * so file order has to come from the document itself.
 */
export function listKeys(doc: Document, path: readonly PathSegment[]): string[] | null {
  const node = findNode(doc, path);
  if (!isMap(node)) return null;
  return node.items.map((item) => (isScalar(item.key) ? String(item.key.value) : String(item.key)));
}
