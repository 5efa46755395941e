/**
 * GitHub redelivers a delivery only within 3 days of it: the redelivery sweep looks back no further, and the
 * same push seen again within it is the same push (deduplicated).
 */
export const REDELIVERY_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;
