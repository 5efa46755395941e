import { sep } from "node:path";

/** `path` is `parent` or lies below it (compared as absolute, resolved paths: `/a/bc` is not within `/a/b`). */
export function isWithin(path: string, parent: string): boolean {
  return path === parent || path.startsWith(parent.endsWith(sep) ? parent : parent + sep);
}
