import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

export interface DataDirLock {
  release(): void;
}

/**
 * Holds the data directory for this process: one file, one process, or a second gantry on the same directory
 * would hand out the same jobs twice. An exclusive SQLite lock on a file of its own, since gantry.db itself is
 * opened twice by this process (the store's thread and the queue); the OS drops it when the process dies.
 * Null when another process (or another opener in this one) holds it.
 */
export function lockDataDir(dataDir: string): DataDirLock | null {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, "gantry.lock"));
  try {
    db.pragma("busy_timeout = 0");
    // in this mode the first write's lock is kept until the connection closes
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder;");
    db.prepare("INSERT INTO holder VALUES (?)").run(process.pid);
  } catch (error) {
    db.close();
    if ((error as { code?: string }).code === "SQLITE_BUSY") return null;
    throw error;
  }
  return { release: () => db.close() };
}
