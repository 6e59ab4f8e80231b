function formatValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(formatValue).join(', ');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** A compact one-line rendering of an entry's extra data. */
export function summariseData(data: unknown): string {
  if (data === null || data === undefined) return '';
  if (typeof data !== 'object') return String(data);
  const entries = Object.entries(data as Record<string, unknown>);
  if (entries.length === 0) return '';
  return entries.map(([key, value]) => `${key}: ${formatValue(value)}`).join('; ');
}
