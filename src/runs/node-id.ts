import { hostname } from "node:os";

/**
 * This process as the store knows it: `host:pid`, the owner of its leases and the worker recorded on the runs
 * it takes. Built once at start-up and handed down, so every lease and record names the same node.
 */
export function currentNodeId(): string {
  return `${hostname()}:${process.pid}`;
}

/** Whether `nodeId` (a run's recorded worker) ran on the same host as `self`, where its processes are visible. */
export function onSameHost(nodeId: string | null, self: string): boolean {
  if (nodeId === null) return false;
  return nodeId.slice(0, nodeId.lastIndexOf(":")) === self.slice(0, self.lastIndexOf(":"));
}
