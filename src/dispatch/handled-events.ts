import type { ClaimedDelivery } from "../backend/storage/store.js";
import type { RunDeps } from "../runs/run-deps.js";
import { dispatchCheckEvent } from "./dispatch-check-event.js";
import { dispatchPush } from "./dispatch-push.js";

interface HandledEvent {
  /** The actions gantry acts on; "any" for events without one. */
  actions: ReadonlySet<string> | "any";
  /** Turns the recorded delivery (its payload parsed) into runs (or a cancel); returns what it did, for the log. */
  dispatch: (deps: RunDeps, delivery: ClaimedDelivery, payload: unknown) => Promise<string>;
}

/**
 * The one table of what gantry acts on: the ack path records only these, the pump dispatches them, the
 * redelivery sweep asks GitHub again for them. GitHub also sends `check_run.created`/`completed` for every
 * check run gantry itself writes: recording those would be noise.
 */
export const HANDLED_EVENTS: Readonly<Record<string, HandledEvent>> = {
  push: { actions: "any", dispatch: dispatchPush },
  check_run: { actions: new Set(["rerequested", "requested_action"]), dispatch: dispatchCheckEvent },
  check_suite: { actions: new Set(["rerequested"]), dispatch: dispatchCheckEvent },
};

/** The table's entry for `event`, or undefined (never an inherited property of the object). */
export function handledEvent(event: string): HandledEvent | undefined {
  return Object.hasOwn(HANDLED_EVENTS, event) ? HANDLED_EVENTS[event] : undefined;
}
