/** A day in milliseconds: token lifetimes are set in days. */
export const DAY_MS = 86_400_000;

/**
 * When a token stops working. Tokens made before tokens expired have no `expires_at`: they
 * count as made to last the longest allowed, so none works forever.
 */
export function tokenExpiry(
  row: { createdAt: Date; expiresAt: Date | null },
  maxDays: number,
): Date {
  return row.expiresAt ?? new Date(row.createdAt.getTime() + maxDays * DAY_MS);
}
