import { z } from 'zod';
import type { ProctoringPolicy } from './policy.js';
import { RecordingGap, type MediaTrack } from './recording.js';

/**
 * Server events written by the evidence watchdog while an attempt runs, judged on the
 * server's clock (when segments, snapshots and detector reports were received), never on
 * the browser's. Each is written twice at most: when the evidence stops arriving (`toMs`
 * null) and when it arrives again (`toMs` set, same `fromMs`). Their `clientMs` is the
 * server time they refer to: an honest browser's clock is within seconds of it.
 */
export const EVIDENCE_EVENTS = {
  /** A required track (webcam, screen) stopped arriving, or arrived again. */
  gap: 'evidence.gap',
  /** Webcam snapshots stopped arriving, or arrived again. */
  snapshotsMissing: 'evidence.snapshots_missing',
  /** The browser stopped reporting detector results while its webcam kept recording. */
  detectionSilent: 'evidence.detection_silent',
  /** Nothing at all arrived from the student's page (uploads, live heartbeats), or it did again. */
  connectionLost: 'evidence.connection_lost',
  /**
   * On an exam that requires full screen, the page never reported entering it within the grace
   * period after the attempt started (`subject: 'page'`), or it did later.
   */
  fullscreenMissing: 'evidence.fullscreen_missing',
  /**
   * While the page is still heard, a required track's uploads fell behind the present by
   * more than the threshold (the server's estimate, or the browser's own `upload.backlog`
   * report: a report can open one, only the server's estimate ends it), or caught up again.
   */
  uploadBacklog: 'evidence.upload_backlog',
} as const;
export type EvidenceEventType = (typeof EVIDENCE_EVENTS)[keyof typeof EVIDENCE_EVENTS];

/** Data of every `evidence.*` event (server epoch ms). */
export const EvidenceAbsenceData = z.object({
  /**
   * The track (`webcam`, `screen`) for a gap; `webcam` for snapshots and detection; `page`
   * for a lost connection (everything the student's page sends).
   */
  subject: z.enum(['webcam', 'screen', 'page']),
  /** The last moment the evidence arrived (or the attempt's start when it never did). */
  fromMs: z.number().int(),
  /** When it arrived again; null while it is still missing. */
  toMs: z.number().int().nullable(),
  /** Sequence number of the newest item received before the absence (null: none). */
  lastSeq: z.number().int().nullable(),
  /** Sequence number of the item that ended it. */
  resumedSeq: z.number().int().nullable().optional(),
  /** How long the evidence may be missing before it counts (the rule's threshold). */
  thresholdMs: z.number().int(),
  /** For an upload backlog: how far the uploads lagged when it was recorded (ms). */
  lagMs: z.number().int().optional(),
  /** For an upload backlog: opened on the browser's own `upload.backlog` report. */
  reported: z.boolean().optional(),
});
export type EvidenceAbsenceData = z.infer<typeof EvidenceAbsenceData>;

/** Server event type written for each hole in a recording once uploads have settled. */
export const RECORDING_GAP_EVENT = 'recording.gap';

/**
 * Why a recording has a hole: sequence numbers never received, a pause between consecutive
 * segments, a required track that started late, stopped early, never arrived at all, or
 * (while the attempt runs) lags behind the present.
 */
export const RecordingGapReason = z.enum([
  'missing_seqs',
  'time_gap',
  'late_start',
  'early_stop',
  'never',
  'behind',
]);
export type RecordingGapReason = z.infer<typeof RecordingGapReason>;

/**
 * Data of a `recording.gap` server event: the gap, why, and whether the exam requires the
 * track (only gaps in required tracks become `recording_gap` flags). Events written before
 * reasons existed have neither field and raise no flag.
 */
export const RecordingGapEventData = RecordingGap.extend({
  reason: RecordingGapReason.optional(),
  required: z.boolean().optional(),
  /** The tolerance the coverage was judged with (ms). */
  toleranceMs: z.number().int().optional(),
});
export type RecordingGapEventData = z.infer<typeof RecordingGapEventData>;

/** Evidence never counts as missing sooner than this, however short the policy's periods. */
export const MIN_ABSENCE_MS = 15_000;

/** The policy fields that say what evidence an attempt must produce, and how often. */
export type EvidencePolicy = Pick<
  ProctoringPolicy,
  'webcam' | 'microphone' | 'screen' | 'segmentSeconds' | 'snapshotIntervalSeconds'
>;

/**
 * The continuous tracks an exam requires: the webcam track when the webcam or the
 * microphone is on (the microphone is recorded in the webcam track), the screen when on.
 */
export function requiredTracks(
  policy: Pick<EvidencePolicy, 'webcam' | 'microphone' | 'screen'>,
): MediaTrack[] {
  const tracks: MediaTrack[] = [];
  if (policy.webcam || policy.microphone) tracks.push('webcam');
  if (policy.screen) tracks.push('screen');
  return tracks;
}

/** How long a required track may go without a new segment: three segments' length. */
export function trackSilenceMs(policy: Pick<EvidencePolicy, 'segmentSeconds'>): number {
  return Math.max(3 * policy.segmentSeconds * 1000, MIN_ABSENCE_MS);
}

/** How long webcam snapshots may stop arriving: three snapshot intervals. */
export function snapshotSilenceMs(policy: Pick<EvidencePolicy, 'snapshotIntervalSeconds'>): number {
  return Math.max(3 * policy.snapshotIntervalSeconds * 1000, MIN_ABSENCE_MS);
}
