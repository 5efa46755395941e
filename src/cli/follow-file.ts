import { open } from "node:fs/promises";

/** Copies what is appended to a file to `write` until stopped: a live view of a log that children write directly. */
export function followFile(path: string, write: (chunk: Buffer) => void, intervalMs = 100): { stop(): Promise<void> } {
  let offset = 0;
  let reading: Promise<void> = Promise.resolve();
  const readNew = async () => {
    const handle = await open(path, "r").catch(() => null);
    if (!handle) return;
    try {
      const buffer = Buffer.alloc(64 * 1024);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
        write(Buffer.from(buffer.subarray(0, bytesRead)));
      }
    } finally {
      await handle.close();
    }
  };
  const timer = setInterval(() => {
    reading = reading.then(readNew);
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      reading = reading.then(readNew);
      await reading;
    },
  };
}
