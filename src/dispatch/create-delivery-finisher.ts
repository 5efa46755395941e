import type { FinishedDelivery, Store } from "../backend/storage/store.js";

/**
 * Finishes deliveries in batches: what is finished in one tick is written together, so a stream of
 * deliveries costs the store one write per batch, not one per delivery (each write is a commit competing
 * with the webhooks' own on the event loop). Each caller's promise settles once its delivery is written.
 */
export function createDeliveryFinisher(store: Store): (finished: FinishedDelivery) => Promise<void> {
  let waiting: Array<{ finished: FinishedDelivery; resolve: () => void; reject: (error: unknown) => void }> = [];
  const flush = () => {
    const batch = waiting;
    waiting = [];
    store.finishDeliveries(batch.map((entry) => entry.finished)).then(
      () => batch.forEach((entry) => entry.resolve()),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
  };
  return (finished) =>
    new Promise((resolve, reject) => {
      if (waiting.push({ finished, resolve, reject }) === 1) setImmediate(flush);
    });
}
