/** The fields of a listed webhook delivery attempt the sweep decides on (GitHub's "Simple webhook delivery"). */
export interface DeliveryAttempt {
  id: number;
  /** Shared by every attempt (and redelivery) of one event; gantry records deliveries under it. */
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status_code: number;
  event: string;
}
