/** A plain number in at most three significant figures: 0, 0.04, 2.5, 17.3, 1,204. */
export function formatNumber(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs < 0.01) return value < 0 ? '>−0.01' : '<0.01';
  const digits = abs < 10 ? 2 : abs < 100 ? 1 : 0;
  return value.toLocaleString('en', { maximumFractionDigits: digits });
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** Bytes in SI units, as disks and networks are sold: 950 B, 1.2 MB, 480 GB. */
export function formatBytes(value: number): string {
  let v = Math.abs(value);
  let unit = 0;
  while (v >= 1000 && unit < BYTE_UNITS.length - 1) {
    v /= 1000;
    unit += 1;
  }
  const text = unit === 0 ? String(Math.round(v)) : formatNumber(v);
  return `${value < 0 ? '−' : ''}${text} ${BYTE_UNITS[unit]}`;
}

/** A duration in seconds, in the unit that reads best: 40 ms, 1.5 s, 12 min, 3 h. */
export function formatSeconds(value: number): string {
  if (value === 0) return '0 s';
  if (value < 1) return `${formatNumber(Math.round(value * 1000))} ms`;
  if (value < 60) return `${formatNumber(value)} s`;
  if (value < 3600) return `${formatNumber(value / 60)} min`;
  return `${formatNumber(value / 3600)} h`;
}

/** A count of things (jobs, attempts): whole numbers stay whole. */
export function formatCount(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en') : formatNumber(value);
}

const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const dayAndTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A moment in a list: the time alone when it was today (local), else the date and time. */
export function formatWhen(iso: string, now = new Date()): string {
  const at = new Date(iso);
  return at.toDateString() === now.toDateString() ? timeOnly.format(at) : dayAndTime.format(at);
}
