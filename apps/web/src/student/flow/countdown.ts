/**
 * How far the server clock is ahead of this computer's (ms), from a response's `serverNow`
 * and when the request was sent and answered (the midpoint is the best guess).
 */
export function clockOffset(serverNowIso: string, sentAt: number, receivedAt: number): number {
  const server = Date.parse(serverNowIso);
  if (Number.isNaN(server)) return 0;
  return server - (sentAt + receivedAt) / 2;
}

/** Milliseconds left until the deadline by the server's clock (never negative). */
export function remainingMs(deadlineIso: string, offsetMs: number, now = Date.now()): number {
  const deadline = Date.parse(deadlineIso);
  if (Number.isNaN(deadline)) return 0;
  return Math.max(0, deadline - (now + offsetMs));
}

const two = (n: number) => String(n).padStart(2, '0');

/** "1:02:03" or "12:05" (rounded up, so 0:00 means the time is really over). */
export function formatRemaining(ms: number): string {
  const total = Math.ceil(Math.max(0, ms) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** The time left in words, for screen readers: "1 hour 5 minutes left", "40 seconds left". */
export function spokenRemaining(ms: number): string {
  const total = Math.ceil(Math.max(0, ms) / 1000);
  if (total === 0) return 'Time is up';
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const part = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (h > 0) return `${part(h, 'hour')}${m ? ` ${part(m, 'minute')}` : ''} left`;
  if (m >= 2) return `${part(m, 'minute')} left`;
  return `${part(m * 60 + s, 'second')} left`;
}

/**
 * Moments worth announcing to screen readers (minutes left): not every second, only when
 * one of these is crossed.
 */
export const ANNOUNCE_AT_MINUTES = [30, 15, 10, 5, 2, 1];

/** The announcement milestone the remaining time has just reached, or null. */
export function milestone(previousMs: number, currentMs: number): number | null {
  for (const minutes of ANNOUNCE_AT_MINUTES) {
    const at = minutes * 60_000;
    if (previousMs > at && currentMs <= at) return minutes;
  }
  return null;
}
