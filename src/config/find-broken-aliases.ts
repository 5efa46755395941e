import { isAlias, isCollection, isPair, isScalar, type Document } from "yaml";

/**
 * Aliases whose anchor is not defined earlier. yaml only notices while converting, and then cannot say where,
 * so they are found here first. Anchors are collected in document order, which is the order YAML requires.
 */
export function findBrokenAliases(doc: Document): { offset: number; message: string }[] {
  const anchors = new Set<string>();
  const broken: { offset: number; message: string }[] = [];
  const walk = (node: unknown) => {
    if (isPair(node)) {
      walk(node.key);
      walk(node.value);
      return;
    }
    if (isAlias(node)) {
      if (!anchors.has(node.source)) {
        broken.push({ offset: node.range?.[0] ?? 0, message: `*${node.source} refers to no anchor &${node.source} defined before it` });
      }
      return;
    }
    if (isScalar(node) || isCollection(node)) {
      // A collection's anchor is usable only after it, but a self-reference inside it is a loop yaml rejects anyway.
      if (node.anchor !== undefined) anchors.add(node.anchor);
      if (isCollection(node)) for (const item of node.items) walk(item);
    }
  };
  walk(doc.contents);
  return broken;
}
