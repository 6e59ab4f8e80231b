/** ISO string for API responses. */
export const iso = (d: Date): string => d.toISOString();

/** ISO string or null. */
export const isoOrNull = (d: Date | null | undefined): string | null =>
  d ? d.toISOString() : null;
