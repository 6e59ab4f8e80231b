import { createHmac } from 'node:crypto';

/**
 * Where a session's sampling buckets are counted from, on the server clock. The browser's
 * clock plays no part: a client that back- or forward-dates its snapshots cannot move
 * them into another bucket, nor make one bucket hold every snapshot.
 */
export interface SamplingOrigin {
  /** The attempt's start: buckets 0, 1, 2 … count from here. Null before the start. */
  startedMs: number | null;
  /**
   * The session's creation: snapshots received before the start (check-in) fall into
   * buckets −1, −2 … counted from here. A fixed time, so bucket numbers never shift when
   * consent or the start happen, and the two ranges never meet.
   */
  createdMs: number;
}

/** The sampling bucket of a snapshot received at `receivedMs`. */
export function sampleBucket(
  receivedMs: number,
  origin: SamplingOrigin,
  intervalMs: number,
): number {
  if (origin.startedMs !== null && receivedMs >= origin.startedMs) {
    return Math.floor((receivedMs - origin.startedMs) / intervalMs);
  }
  // Clamped: another process's clock may put a receipt a moment before the row's creation.
  return -1 - Math.floor(Math.max(0, receivedMs - origin.createdMs) / intervalMs);
}

/** When bucket `bucket` begins, on the server clock. */
export function bucketStartMs(bucket: number, origin: SamplingOrigin, intervalMs: number): number {
  if (bucket >= 0) return (origin.startedMs ?? origin.createdMs) + bucket * intervalMs;
  return origin.createdMs + (-1 - bucket) * intervalMs;
}

/**
 * The offset into bucket `bucket` of session `sessionId` from which the server samples:
 * a keyed hash (HMAC-SHA-256 with the server's sampling key) reduced to [0, intervalMs).
 * Different for every session and bucket, stable across restarts and processes, and not
 * derivable without the key — which never leaves the server — so a client cannot know
 * which of its snapshots will be checked.
 */
export function samplingOffsetMs(
  key: Uint8Array,
  sessionId: string,
  bucket: number,
  intervalMs: number,
): number {
  const digest = createHmac('sha256', key).update(`${sessionId}/${bucket}`).digest();
  return digest.readUIntBE(0, 6) % intervalMs;
}

/** The moment from which bucket `bucket` of a session is sampled (its start plus the offset). */
export function samplePointMs(
  key: Uint8Array,
  sessionId: string,
  bucket: number,
  origin: SamplingOrigin,
  intervalMs: number,
): number {
  return (
    bucketStartMs(bucket, origin, intervalMs) + samplingOffsetMs(key, sessionId, bucket, intervalMs)
  );
}
