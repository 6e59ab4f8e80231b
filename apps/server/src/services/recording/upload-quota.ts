import type { MediaTrack, ProctoringPolicy, SnapshotKind } from '@invigil/contracts';

/**
 * How much a session may upload, derived from the exam's policy and the attempt's own clock
 * (server time). Every allowance is several times what an honest browser records, so a slow
 * network, reloads and re-recorded segments never reach it; what it stops is a tampered
 * client filling the disk or the review queue.
 */

/** Multiplier over what the policy says the browser records. */
export const QUOTA_FACTOR = 3;
/** Recording time allowed on top of the attempt: check-in, the room scan, segments in flight. */
export const HEADROOM_SECONDS = 120;
/** Audio allowance on the webcam track (the browser records Opus at 32 kbit/s). */
export const AUDIO_KBPS = 64;
/** Per segment: a container header and the keyframe each segment starts with. */
export const SEGMENT_OVERHEAD_BYTES = 64 * 1024;
/** Periodic snapshots allowed beyond the interval count (reloads take one at once). */
export const SNAPSHOT_HEADROOM_COUNT = 30;
/** Average size allowed per periodic snapshot (the browser sends ≤ 640 px JPEGs, ~50 KB). */
export const SNAPSHOT_ALLOWANCE_BYTES = 256 * 1024;
/** Identity photos: retakes and re-enrolments, per kind. */
export const ID_PHOTO_MAX_SEQ = 100;
export const ID_PHOTO_MAX_BYTES = 32 * 1024 * 1024;
/**
 * Client events per second of attempt, before QUOTA_FACTOR: as if the browser sent a batch of
 * five every 2 s for the whole attempt. It sends far fewer (one per detector change, webcam
 * snapshot, focus or visibility change; most 2 s ticks send nothing).
 */
export const EVENTS_PER_SECOND = 2.5;
/** Client events allowed on top: check-in, reloads (each logs a few), an outage's own reports. */
export const EVENT_HEADROOM_COUNT = 1000;
/** The most `data` one client event may carry, as JSON (the browser's largest, an error's text, is ~2 KB). */
export const EVENT_DATA_MAX_BYTES = 4096;

/** What an upload allowance depends on. */
export interface QuotaInputs {
  policy: Pick<
    ProctoringPolicy,
    'webcamBitrateKbps' | 'screenBitrateKbps' | 'segmentSeconds' | 'snapshotIntervalSeconds'
  >;
  durationMinutes: number;
  /** Accommodation of the student's registration. */
  extraTimeMinutes: number;
  /** Time spent paused (resumed pauses). */
  pausedMs: number;
  startedAt: Date | null;
  endedAt: Date | null;
}

/** The allowance of one track or snapshot kind of a session. */
export interface Quota {
  /** Highest sequence number accepted. */
  maxSeq: number;
  /** Bytes that may be stored in total. */
  maxBytes: number;
}

/** Whether one more upload fits, and if not, which limit it breaks. */
export type QuotaVerdict =
  | { ok: true }
  /** `seq` is past the highest sequence number accepted (`max`). */
  | { ok: false; limit: 'seq'; max: number; seq: number }
  /** `used` bytes already stored plus `size` would pass `max`. */
  | { ok: false; limit: 'bytes'; max: number; used: number; size: number };

/** Seconds the attempt has run by the server clock: from the start to now, or to its end. */
export function attemptSeconds(i: Pick<QuotaInputs, 'startedAt' | 'endedAt'>, now: Date): number {
  if (!i.startedAt) return 0;
  const until = Math.min(now.getTime(), i.endedAt?.getTime() ?? Infinity);
  return Math.max(0, (until - i.startedAt.getTime()) / 1000);
}

/**
 * Seconds the attempt may last: duration, extra time and pauses — or longer if it already
 * has (a pause still running, a close the sweeper has not reached yet).
 */
function plannedSeconds(i: QuotaInputs, now: Date): number {
  const planned = (i.durationMinutes + i.extraTimeMinutes) * 60 + i.pausedMs / 1000;
  return Math.max(planned, attemptSeconds(i, now));
}

function kbps(i: QuotaInputs, track: MediaTrack): number {
  return track === 'screen' ? i.policy.screenBitrateKbps : i.policy.webcamBitrateKbps + AUDIO_KBPS;
}

/**
 * A track's allowance at `now`. Bytes grow with the time the attempt has actually run (so a
 * client cannot front-load a whole exam's worth); sequence numbers are bounded by how long
 * the attempt may last, divided into segments.
 */
export function segmentQuota(i: QuotaInputs, track: MediaTrack, now: Date): Quota {
  const segment = i.policy.segmentSeconds;
  const recorded = attemptSeconds(i, now) + HEADROOM_SECONDS;
  const perSecond = (kbps(i, track) * 1000) / 8 + SEGMENT_OVERHEAD_BYTES / segment;
  return {
    maxSeq: Math.ceil(((plannedSeconds(i, now) + HEADROOM_SECONDS) / segment) * QUOTA_FACTOR),
    maxBytes: Math.ceil(perSecond * recorded * QUOTA_FACTOR),
  };
}

/** A snapshot kind's allowance at `now`: periodic ones by interval, identity photos fixed. */
export function snapshotQuota(i: QuotaInputs, kind: SnapshotKind, now: Date): Quota {
  if (kind === 'id_face' || kind === 'id_document') {
    return { maxSeq: ID_PHOTO_MAX_SEQ, maxBytes: ID_PHOTO_MAX_BYTES };
  }
  const count = (seconds: number) =>
    Math.ceil(((seconds + HEADROOM_SECONDS) / i.policy.snapshotIntervalSeconds) * QUOTA_FACTOR) +
    SNAPSHOT_HEADROOM_COUNT;
  return {
    maxSeq: count(plannedSeconds(i, now)),
    maxBytes: count(attemptSeconds(i, now)) * SNAPSHOT_ALLOWANCE_BYTES,
  };
}

/** Judge one more upload of `sizeBytes` at `seq` when `usedBytes` are already stored. */
export function judgeUpload(
  quota: Quota,
  u: { seq: number; sizeBytes: number; usedBytes: number },
): QuotaVerdict {
  if (u.seq > quota.maxSeq) return { ok: false, limit: 'seq', max: quota.maxSeq, seq: u.seq };
  if (u.usedBytes + u.sizeBytes > quota.maxBytes) {
    return { ok: false, limit: 'bytes', max: quota.maxBytes, used: u.usedBytes, size: u.sizeBytes };
  }
  return { ok: true };
}

/** What a session's client events may use. */
export interface EventQuota {
  /**
   * Highest event sequence number accepted. Each number is stored once, so this also bounds
   * how many events the session ever holds, without counting them.
   */
  maxSeq: number;
  /** The most data one event may carry (bytes of JSON). */
  maxDataBytes: number;
}

/** Whether a batch of client events fits, and if not, which limit its first offender breaks. */
export type EventVerdict =
  | { ok: true }
  /** Event `seq` is past the highest sequence number accepted now (`max`). */
  | { ok: false; limit: 'events'; max: number; seq: number }
  /** Event `seq` carries `size` bytes of data, more than `max`. */
  | { ok: false; limit: 'event_size'; max: number; seq: number; size: number };

/**
 * The client-event allowance of a session at `now`. It grows with the time the attempt has
 * run on the server clock (a client cannot send a whole exam's worth up front) and stops at
 * its end; before the start only the headroom is there. The browser numbers its events 0, 1,
 * 2 … and a backlog it sends late was recorded earlier, within what the allowance then was.
 */
export function eventQuota(i: Pick<QuotaInputs, 'startedAt' | 'endedAt'>, now: Date): EventQuota {
  const seconds = attemptSeconds(i, now) + HEADROOM_SECONDS;
  return {
    maxSeq: Math.ceil(seconds * EVENTS_PER_SECOND * QUOTA_FACTOR) + EVENT_HEADROOM_COUNT,
    maxDataBytes: EVENT_DATA_MAX_BYTES,
  };
}

/** Judge a batch of client events against `quota`: the whole batch fits, or none of it. */
export function judgeEvents(
  quota: EventQuota,
  events: readonly { seq: number; data?: unknown }[],
): EventVerdict {
  const highest = events.reduce((m, e) => Math.max(m, e.seq), -1);
  if (highest > quota.maxSeq) {
    return { ok: false, limit: 'events', max: quota.maxSeq, seq: highest };
  }
  for (const e of events) {
    const size = Buffer.byteLength(JSON.stringify(e.data ?? {}));
    if (size > quota.maxDataBytes) {
      return { ok: false, limit: 'event_size', max: quota.maxDataBytes, seq: e.seq, size };
    }
  }
  return { ok: true };
}
