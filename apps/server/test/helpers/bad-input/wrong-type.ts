/** A value of the wrong JSON type for `v`. */
export function wrongType(v: unknown): unknown {
  if (typeof v === 'string') return 12345;
  if (typeof v === 'number') return 'not a number';
  if (typeof v === 'boolean') return 'yes';
  if (Array.isArray(v)) return 'not an array';
  if (v && typeof v === 'object') return 7;
  return { unexpected: true };
}
