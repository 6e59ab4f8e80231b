/** Longest wait between two attempts. */
const MAX_DELAY_MS = 6 * 3_600_000;

/**
 * Delay before the next attempt after the n-th failed one (n ≥ 1): base · 4^(n−1) — with
 * the default 30 s base 30 s, 2 min, 8 min, 32 min, 2 h 8 min, then capped at 6 h — times
 * a jitter of 0.8…1.2 so receivers that failed together are not retried in lockstep.
 * `random` is injectable for tests.
 */
export function retryDelayMs(
  attempts: number,
  baseMs: number,
  random: () => number = Math.random,
): number {
  const plain = Math.min(MAX_DELAY_MS, baseMs * 4 ** Math.max(0, attempts - 1));
  return Math.round(plain * (0.8 + 0.4 * random()));
}
