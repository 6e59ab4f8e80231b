/** Retry timing of the upload queue. */
export interface BackoffOptions {
  /** Delay before the first retry, ms. */
  baseMs: number;
  /** Longest delay, ms. */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 10_000 };

/**
 * Delay before retry number `attempt` (1 for the first retry): exponential, capped, with
 * jitter in [50 %, 100 %] of the step so that many clients coming back together spread out.
 */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  options: BackoffOptions = DEFAULT_BACKOFF,
): number {
  const step = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step * (0.5 + random() * 0.5));
}
