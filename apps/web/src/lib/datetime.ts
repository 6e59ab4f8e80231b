const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** Formats a UTC offset in minutes east of Greenwich as "+HH:MM" / "-HH:MM". */
export function formatOffset(minutesEast: number): string {
  const sign = minutesEast < 0 ? '-' : '+';
  const abs = Math.abs(minutesEast);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The `YYYY-MM-DDTHH:mm` value of a date in the browser's local time zone. */
export function dateToLocalInput(date: Date): string {
  return (
    `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/**
 * Converts an ISO-8601 timestamp to a `datetime-local` input value in local time
 * ("" for an empty or invalid timestamp).
 */
export function isoToLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : dateToLocalInput(date);
}

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * Converts a `datetime-local` value (local wall-clock time) to ISO-8601 with the local UTC
 * offset, e.g. "2025-03-01T09:30" → "2025-03-01T09:30:00+01:00". Returns null when the value
 * is empty or malformed. A wall-clock time skipped by a DST change moves forward, as browsers do.
 */
export function localInputToIso(value: string): string | null {
  const match = LOCAL_INPUT.exec(value.trim());
  if (!match) return null;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  const date = new Date(y!, mo! - 1, d!, h!, mi!, Number.isNaN(s) ? 0 : (s ?? 0));
  if (Number.isNaN(date.getTime()) || date.getMonth() !== mo! - 1) return null;
  return (
    `${dateToLocalInput(date)}:${pad(date.getSeconds())}` + formatOffset(-date.getTimezoneOffset())
  );
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

const dateTimeZoneFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
});

/** A timestamp in the reader's locale and time zone ("—" when missing). */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '—' : dateTimeFormat.format(date);
}

/** An exam window such as "Mon, 3 Mar 2025, 09:00 – 11:00 CET" in local time. */
export function formatWindow(opensAt: string, closesAt: string): string {
  const start = new Date(opensAt);
  const end = new Date(closesAt);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return '—';
  return dateTimeZoneFormat.formatRange(start, end);
}

/** The browser's IANA time zone name, for labels such as "Times are in Europe/Paris". */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}
