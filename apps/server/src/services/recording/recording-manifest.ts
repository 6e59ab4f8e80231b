import { and, asc, eq, gte, lte } from 'drizzle-orm';
import {
  ProctoringPolicy,
  RECORDING_GAP_EVENT,
  requiredTracks,
  type MediaSegment,
  type MediaTrack,
  type RecordingGapEventData,
  type RecordingManifest,
  type Snapshot,
  type SnapshotKind,
} from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { estimateClockOffset } from '@invigil/detection/rules';
import { examSessions, exams, mediaSegments, sessionEvents, snapshots } from '../../db/schema.js';
import { errors } from '../../errors.js';
import { loadClockSamples } from '../detection/flag-inputs.js';
import type { SessionRow } from '../sessions/session-access.js';
import {
  coverageToleranceMs,
  findGaps,
  gapsInRange,
  isComplete,
  toRecordingGap,
  type FoundGap,
  type SegmentSpan,
} from './recording-gaps.js';
import { appendServerEvents } from './session-events.service.js';
import { iso } from '../sessions/time.js';

/** Whether a session's recording has holes, judged over the whole session. */
export interface CompletenessReport {
  sessionId: string;
  segmentCount: number;
  gaps: FoundGap[];
  complete: boolean;
  /** The tracks the exam requires. */
  required: MediaTrack[];
  /** The tolerance the coverage was judged with (ms). */
  toleranceMs: number;
  /** The student's clock offset (client − server, ms) the coverage was judged with. */
  clockOffsetMs: number;
}

export { RECORDING_GAP_EVENT };
/** At most this many gap events are written per check. */
const MAX_GAP_EVENTS = 200;

type SegmentRow = typeof mediaSegments.$inferSelect;
type SnapshotRow = typeof snapshots.$inferSelect;

const toSegment = (r: SegmentRow): MediaSegment => ({
  track: r.track as MediaTrack,
  seq: r.seq,
  startMs: r.startMs,
  endMs: r.endMs,
  sizeBytes: r.sizeBytes,
  sha256: r.sha256,
  contentType: r.contentType,
  receivedAt: iso(r.receivedAt),
});

const toSnapshot = (r: SnapshotRow): Snapshot => ({
  id: r.id,
  kind: r.kind as SnapshotKind,
  seq: r.seq,
  takenMs: r.takenMs,
  sizeBytes: r.sizeBytes,
  sha256: r.sha256,
  contentType: r.contentType,
  receivedAt: iso(r.receivedAt),
});

/** The policy fields coverage depends on; an unreadable stored policy counts as the default. */
async function policyOf(db: DbOrTx, examId: string): Promise<ProctoringPolicy> {
  const [exam] = await db.select({ policy: exams.policy }).from(exams).where(eq(exams.id, examId));
  const parsed = ProctoringPolicy.safeParse(exam?.policy ?? {});
  return parsed.success ? parsed.data : ProctoringPolicy.parse({});
}

/**
 * Judge a session's segments: holes between them, and whether every track the exam requires
 * covers the attempt (to its end, or to `now` while it runs), on the student's clock as the
 * server estimates it from what it received (`estimateClockOffset`).
 */
async function report(
  db: DbOrTx,
  row: SessionRow,
  spans: readonly SegmentSpan[],
  now: Date,
): Promise<CompletenessReport> {
  const policy = await policyOf(db, row.examId);
  const required = requiredTracks(policy);
  const segmentMs = policy.segmentSeconds * 1000;
  const clockOffsetMs = estimateClockOffset(await loadClockSamples(db, row.id));
  const gaps = findGaps(spans, {
    required,
    startedAtMs: row.startedAt?.getTime() ?? null,
    endedAtMs: row.endedAt?.getTime() ?? null,
    nowMs: now.getTime(),
    segmentMs,
    clockOffsetMs,
  });
  return {
    sessionId: row.id,
    segmentCount: spans.length,
    gaps,
    complete: isComplete(spans, gaps, required),
    required,
    toleranceMs: coverageToleranceMs(segmentMs),
    clockOffsetMs,
  };
}

/**
 * The completeness of a session's recording at `now` (the server's clock; see `findGaps` and
 * `isComplete` for the rules; once the session has ended, a track that stops early counts as
 * a gap; while it runs, required tracks must reach `now`). Read-only.
 */
export async function checkCompleteness(
  db: DbOrTx,
  sessionId: string,
  now: Date,
): Promise<CompletenessReport> {
  const [row] = await db.select().from(examSessions).where(eq(examSessions.id, sessionId));
  if (!row) throw errors.notFound('Session');
  const spans = await db
    .select({
      track: mediaSegments.track,
      seq: mediaSegments.seq,
      startMs: mediaSegments.startMs,
      endMs: mediaSegments.endMs,
    })
    .from(mediaSegments)
    .where(eq(mediaSegments.sessionId, sessionId));
  return report(db, row, spans as SegmentSpan[], now);
}

const gapKey = (g: { track?: unknown; afterSeq?: unknown; fromMs?: unknown; toMs?: unknown }) =>
  `${String(g.track)}:${String(g.afterSeq)}:${String(g.fromMs)}:${String(g.toMs)}`;

/**
 * Check completeness at `now` (the server's clock) and write one `recording.gap` server event
 * per hole not already recorded, so reviewers see gaps in the event timeline. Safe to call
 * more than once. Best called when uploads have stopped (see docs/ARCHITECTURE.md,
 * "Recording ingest").
 */
export async function recordRecordingGaps(
  db: DbOrTx,
  sessionId: string,
  now: Date,
): Promise<CompletenessReport> {
  return recordGaps(db, await checkCompleteness(db, sessionId, now));
}

/** Write the holes of a completeness report not already recorded (see recordRecordingGaps). */
export async function recordGaps(
  db: DbOrTx,
  result: CompletenessReport,
): Promise<CompletenessReport> {
  const { sessionId } = result;
  if (result.gaps.length === 0) return result;
  const known = await db
    .select({ data: sessionEvents.data })
    .from(sessionEvents)
    .where(
      and(
        eq(sessionEvents.sessionId, sessionId),
        eq(sessionEvents.source, 'server'),
        eq(sessionEvents.type, RECORDING_GAP_EVENT),
      ),
    );
  const recorded = new Set(known.map((k) => gapKey(k.data as Record<string, unknown>)));
  const fresh = result.gaps.filter((g) => !recorded.has(gapKey(g))).slice(0, MAX_GAP_EVENTS);
  await appendServerEvents(
    db,
    sessionId,
    fresh.map((g) => {
      // Gaps in tracks the exam requires become recording_gap flags (see the evidence rules).
      const data: RecordingGapEventData = {
        ...toRecordingGap(g),
        reason: g.reason,
        required: result.required.includes(g.track),
        toleranceMs: result.toleranceMs,
      };
      return { type: RECORDING_GAP_EVENT, clientMs: g.fromMs, data };
    }),
  );
  return result;
}

/**
 * The recording manifest of a session: segments overlapping [fromMs, toMs] (all tracks,
 * by track then sequence), snapshots taken within it, the gaps overlapping it, the bytes
 * listed, and whether the whole recording is complete: judged over the whole session, every
 * track the exam requires covering the attempt (to `now` while it runs).
 */
export async function buildManifest(
  db: DbOrTx,
  row: SessionRow,
  range: { fromMs?: number; toMs?: number },
  now: Date,
): Promise<RecordingManifest> {
  const { fromMs, toMs } = range;
  if (fromMs !== undefined && toMs !== undefined && toMs < fromMs) {
    throw errors.validation('toMs must not be before fromMs', [
      { path: 'querystring.toMs', message: 'Must not be before fromMs' },
    ]);
  }
  const all = await db
    .select()
    .from(mediaSegments)
    .where(eq(mediaSegments.sessionId, row.id))
    .orderBy(asc(mediaSegments.track), asc(mediaSegments.seq));
  const shots = await db
    .select()
    .from(snapshots)
    .where(
      and(
        eq(snapshots.sessionId, row.id),
        fromMs === undefined ? undefined : gte(snapshots.takenMs, fromMs),
        toMs === undefined ? undefined : lte(snapshots.takenMs, toMs),
      ),
    )
    .orderBy(asc(snapshots.takenMs), asc(snapshots.kind), asc(snapshots.seq));
  const segments = all.filter(
    (s) => (fromMs === undefined || s.endMs >= fromMs) && (toMs === undefined || s.startMs <= toMs),
  );
  const whole = await report(db, row, all as SegmentSpan[], now);
  const totalBytes =
    segments.reduce((n, s) => n + s.sizeBytes, 0) + shots.reduce((n, s) => n + s.sizeBytes, 0);
  return {
    sessionId: row.id,
    startedAtMs: row.startedAt?.getTime() ?? null,
    segments: segments.map(toSegment),
    snapshots: shots.map(toSnapshot),
    gaps: gapsInRange(whole.gaps, fromMs, toMs).map(toRecordingGap),
    totalBytes,
    complete: whole.complete,
  };
}
