import { formatDateTime } from '../lib/datetime';

/** The usual token lifetimes, in days, offered when the server allows them. */
const USUAL_DAYS = [30, 90, 180, 365];

/**
 * The lifetimes the token form offers: the usual ones up to the server's maximum, plus the
 * default and the maximum themselves, ascending.
 */
export function expiryChoices(days: { default: number; max: number }): number[] {
  const offered = new Set([...USUAL_DAYS.filter((d) => d <= days.max), days.default, days.max]);
  return [...offered].sort((a, b) => a - b);
}

/** How a lifetime choice reads: "90 days", the default marked. */
export const expiryChoiceLabel = (days: number, defaultDays: number): string =>
  `${days === 1 ? '1 day' : `${days} days`}${days === defaultDays ? ' (default)' : ''}`;

/** A token's expiry in the list: "expires …" while it works, "expired …" after. */
export function tokenExpiryText(expiresAt: string, now = Date.now()): string {
  return Date.parse(expiresAt) <= now
    ? `expired ${formatDateTime(expiresAt)}`
    : `expires ${formatDateTime(expiresAt)}`;
}
