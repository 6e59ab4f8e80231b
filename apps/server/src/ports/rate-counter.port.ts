/** One counted action: how many were counted in the key's current window, and when it ends. */
export interface RateHit {
  count: number;
  /** Milliseconds until the window ends and counting starts again. */
  resetInMs: number;
}

/**
 * Counters in fixed windows, shared by every process that uses the same store: a window
 * starts at a key's first hit and lasts `windowMs`. Per-user limits (chat, raised hands)
 * count here, so behind several processes a limit is one limit, not one per process.
 */
export interface RateCounter {
  hit(key: string, windowMs: number): Promise<RateHit>;
}
