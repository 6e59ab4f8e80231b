import type { ItemMeta } from './capture-store';

/** What the upload-health indicator shows. */
export interface QueueStatus {
  /** Items persisted but not yet acknowledged. */
  pending: number;
  pendingBytes: number;
  /** Recorded time not yet uploaded: the longest backlog of any one media track, ms. */
  pendingMediaMs: number;
  /** True when the media backlog is longer than the warning threshold. */
  backlogWarning: boolean;
  /** An upload is in flight. */
  uploading: boolean;
  /** The browser is offline, or the last attempt could not reach the server. */
  offline: boolean;
  /** The last problem, fit to show a person; null after a success. */
  lastError: string | null;
  /**
   * Why the server last refused an item for good (over the exam's allowance, uploads closed,
   * not a valid recording), fit to show a person; it stays shown, as it needs the proctor.
   */
  refusal: string | null;
  /** When the server last acknowledged an item (epoch ms). */
  lastAckAt: number | null;
  /** Bytes acknowledged since this queue started. */
  uploadedBytes: number;
  /** Upload speed measured on real segment and snapshot uploads (kbit/s), when known. */
  measuredKbps: number | null;
  /** The store has loaded what was left from before (a reload). */
  ready: boolean;
}

/** A queue's status before it has read the store. */
export const INITIAL_STATUS: QueueStatus = {
  pending: 0,
  pendingBytes: 0,
  pendingMediaMs: 0,
  backlogWarning: false,
  uploading: false,
  offline: false,
  lastError: null,
  refusal: null,
  lastAckAt: null,
  uploadedBytes: 0,
  measuredKbps: null,
  ready: false,
};

/**
 * The bytes waiting, and the recorded time waiting: the longest backlog of any one media
 * track (the tracks upload side by side, so their backlogs do not add up; the room scan is
 * a one-off and not counted).
 */
export function pendingTotals(items: Iterable<ItemMeta>): {
  pendingBytes: number;
  pendingMediaMs: number;
} {
  let pendingBytes = 0;
  const perTrack = new Map<string, number>();
  for (const item of items) {
    pendingBytes += item.sizeBytes;
    if (item.kind === 'media' && item.name !== 'room_scan') {
      const ms = Math.max(0, (item.endMs ?? 0) - (item.startMs ?? 0));
      perTrack.set(item.name, (perTrack.get(item.name) ?? 0) + ms);
    }
  }
  return { pendingBytes, pendingMediaMs: Math.max(0, ...perTrack.values()) };
}

/** Upload order: events first (small and time-sensitive), then oldest first. */
export function uploadOrder(a: ItemMeta, b: ItemMeta): number {
  return (
    Number(a.kind !== 'events') - Number(b.kind !== 'events') ||
    a.createdAt - b.createdAt ||
    a.seq - b.seq
  );
}
