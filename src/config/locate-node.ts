import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap } from "yaml";
import type { PathSegment } from "./format-path.js";

/** Pairs of each mapping by key text, built on first use; a file with thousands of errors would otherwise rescan big mappings for each. */
export type KeyIndex = WeakMap<YAMLMap, Map<string, Pair>>;

/**
 * Source offset of the node at `path`: the value, or with `key` the mapping key naming it.
 * When the path leaves the document (a missing key) the deepest node found is used, which is the parent mapping.
 */
export function locateNode(doc: Document, path: readonly PathSegment[], key = false, index: KeyIndex = new WeakMap()): number {
  let node: unknown = doc.contents;
  // A document with nothing but `---` has an empty null node after the marker; the file's start reads better.
  let offset = isEmptyScalar(node) ? 0 : (startOf(node) ?? 0);
  for (const [position, segment] of path.entries()) {
    const last = position === path.length - 1;
    // Descending through an alias leads into the anchored node; the alias itself is only reported when it is the target.
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = pairsOf(node, index).get(String(segment));
      if (pair === undefined) return offset;
      const keyOffset = startOf(pair.key) ?? offset;
      if (last && key) return keyOffset;
      // `timeout:` with nothing after it has an empty null node just past the colon; the key is the better place to point.
      if (pair.value === null || isEmptyScalar(pair.value)) return keyOffset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item = node.items[segment];
      if (item === undefined || item === null) return offset;
      node = item;
    } else {
      return offset;
    }
    offset = startOf(node) ?? offset;
  }
  return offset;
}

function pairsOf(map: YAMLMap, index: KeyIndex): Map<string, Pair> {
  let pairs = index.get(map);
  if (pairs === undefined) {
    pairs = new Map();
    // The first occurrence wins, like the lookup it replaces; repeats are reported separately.
    for (const pair of map.items) {
      if (!isScalar(pair.key)) continue;
      const text = String(pair.key.value);
      if (!pairs.has(text)) pairs.set(text, pair);
    }
    index.set(map, pairs);
  }
  return pairs;
}

function startOf(node: unknown): number | undefined {
  return (node as Node | null)?.range?.[0];
}

function isEmptyScalar(node: unknown): boolean {
  if (!isScalar(node) || node.value !== null || !node.range) return false;
  return node.range[0] === node.range[1];
}
