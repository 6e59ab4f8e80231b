import { and, asc, eq, gte, lte } from 'drizzle-orm';
import type {
  MediaSegment,
  MediaTrack,
  RecordingGap,
  RecordingManifest,
  Snapshot,
  SnapshotKind,
} from '@invigil/contracts';
import type { DbOrTx } from '../db/database.js';
import { examSessions, mediaSegments, sessionEvents, snapshots } from '../db/schema.js';
import { errors } from '../errors.js';
import type { SessionRow } from './recording-access.js';
import { findGaps, gapsInRange, isComplete, type SegmentSpan } from './recording-gaps.js';
import { appendServerEvents } from './session-events.service.js';
import { iso } from './time.js';

/** Whether a session's recording has holes, judged over the whole session. */
export interface CompletenessReport {
  sessionId: string;
  segmentCount: number;
  gaps: RecordingGap[];
  complete: boolean;
}

/** Server event type written for each hole found in a recording. */
export const RECORDING_GAP_EVENT = 'recording.gap';
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

function report(row: SessionRow, spans: readonly SegmentSpan[]): CompletenessReport {
  const gaps = findGaps(spans, row.endedAt?.getTime() ?? null);
  return {
    sessionId: row.id,
    segmentCount: spans.length,
    gaps,
    complete: isComplete(spans, gaps),
  };
}

/**
 * The completeness of a session's recording (see `findGaps` and `isComplete` for the rules;
 * once the session has ended, a track that stops early counts as a gap). Read-only.
 */
export async function checkCompleteness(
  db: DbOrTx,
  sessionId: string,
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
  return report(row, spans as SegmentSpan[]);
}

const gapKey = (g: { track?: unknown; afterSeq?: unknown; fromMs?: unknown; toMs?: unknown }) =>
  `${String(g.track)}:${String(g.afterSeq)}:${String(g.fromMs)}:${String(g.toMs)}`;

/**
 * Check completeness and write one `recording.gap` server event per hole not already
 * recorded, so reviewers see gaps in the event timeline. Safe to call more than once.
 * Best called when uploads have stopped (see docs/ARCHITECTURE.md, "Recording ingest").
 */
export async function recordRecordingGaps(
  db: DbOrTx,
  sessionId: string,
): Promise<CompletenessReport> {
  const result = await checkCompleteness(db, sessionId);
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
    fresh.map((g) => ({ type: RECORDING_GAP_EVENT, clientMs: g.fromMs, data: { ...g } })),
  );
  return result;
}

/**
 * The recording manifest of a session: segments overlapping [fromMs, toMs] (all tracks,
 * by track then sequence), snapshots taken within it, the gaps overlapping it, the bytes
 * listed, and whether the whole recording is complete (judged over the whole session).
 */
export async function buildManifest(
  db: DbOrTx,
  row: SessionRow,
  range: { fromMs?: number; toMs?: number },
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
  const whole = report(row, all as SegmentSpan[]);
  const totalBytes =
    segments.reduce((n, s) => n + s.sizeBytes, 0) + shots.reduce((n, s) => n + s.sizeBytes, 0);
  return {
    sessionId: row.id,
    startedAtMs: row.startedAt?.getTime() ?? null,
    segments: segments.map(toSegment),
    snapshots: shots.map(toSnapshot),
    gaps: gapsInRange(whole.gaps, fromMs, toMs),
    totalBytes,
    complete: whole.complete,
  };
}
