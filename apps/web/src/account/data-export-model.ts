import type { DataExport } from '@invigil/contracts';
import { formatDateTime } from '../lib/datetime';

/** Still being made: the page keeps asking how far it got. */
export const exportActive = (e: DataExport | undefined): boolean =>
  e?.status === 'queued' || e?.status === 'running';

/** How often a page asks about an export while it is being made. */
export const EXPORT_POLL_MS = 1000;

/** Files written so far as a whole percentage (0 until the job has counted them). */
export function exportPercent(e: DataExport): number {
  if (e.status === 'ready') return 100;
  if (e.progressTotal === 0) return 0;
  return Math.min(100, Math.floor((e.progressDone / e.progressTotal) * 100));
}

/** A size in words: bytes, kB, MB or GB (decimal, as file managers show them). */
export function exportSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Where an export stands, in one sentence. */
export function exportStatusText(e: DataExport): string {
  switch (e.status) {
    case 'queued':
      return 'Waiting to start…';
    case 'running':
      return e.progressTotal === 0
        ? 'Collecting your data…'
        : `Collecting your data: ${e.progressDone} of ${e.progressTotal} files.`;
    case 'ready':
      return `Ready to download until ${formatDateTime(e.expiresAt)}.`;
    case 'failed':
      return `It could not be made: ${e.error ?? 'unknown error'}.`;
    case 'expired':
      return `Expired on ${formatDateTime(e.expiresAt)}; its file was deleted.`;
  }
}

/** Where an export stands in a few words (a table row). */
export function exportShortText(e: DataExport): string {
  switch (e.status) {
    case 'queued':
      return 'Export waiting…';
    case 'running':
      return `Export ${exportPercent(e)}% done`;
    case 'ready':
      return `Export ready until ${formatDateTime(e.expiresAt)}`;
    case 'failed':
      return `Export failed: ${e.error ?? 'unknown error'}`;
    case 'expired':
      return 'Export expired';
  }
}
