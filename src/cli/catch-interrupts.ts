/** 128 + the signal's number, as a shell reports a command killed by it. */
export const INTERRUPT_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

type Interrupt = keyof typeof INTERRUPT_EXIT_CODES;

export interface Interrupts {
  /** Aborted by the first SIGINT, SIGTERM or SIGHUP; what runs under it stops its process groups. */
  signal: AbortSignal;
  /** The signal received, if any. */
  received(): Interrupt | null;
  /** Gives the signals back to Node's default handling. */
  release(): void;
}

/**
 * Steps run in process groups of their own, so Ctrl-C at the terminal reaches gantry and not them: gantry
 * has to pass it on. Handling the signals keeps Node from exiting before the steps are stopped.
 */
export function catchInterrupts(): Interrupts {
  const controller = new AbortController();
  let received: Interrupt | null = null;
  const handlers = (Object.keys(INTERRUPT_EXIT_CODES) as Interrupt[]).map((name) => {
    const handler = () => {
      received ??= name;
      controller.abort();
    };
    process.on(name, handler);
    return () => process.off(name, handler);
  });
  return {
    signal: controller.signal,
    received: () => received,
    release: () => handlers.forEach((off) => off()),
  };
}
