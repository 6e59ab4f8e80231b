import { and, asc, eq, exists, gt, inArray, isNotNull, lt, notExists, or } from 'drizzle-orm';
import { EVIDENCE_LOCK, lockInTransaction } from '../../db/advisory-locks.js';
import type { Db, DbOrTx } from '../../db/database.js';
import { examSessions, mediaSegments, sessionEvents, snapshots } from '../../db/schema.js';
import { DEFAULT_INGEST_GRACE_MS, ENDED_STATES } from '../sessions/session-access.js';
import { checkCompleteness, recordGaps } from './recording-manifest.js';
import { appendServerEvents } from './session-events.service.js';

/** Server event written once per ended session when its recording has been checked. */
export const RECORDING_CHECKED_EVENT = 'recording.checked';

/**
 * After an attempt ends the browser keeps uploading its backlog (it drains on the
 * confirmation page); once nothing new has arrived for this long, the uploads have settled.
 */
export const UPLOAD_QUIET_MS = 30_000;

/**
 * The longest an ended attempt's check waits for uploads to settle: the ingest grace period,
 * after which the server takes nothing new anyway (also once a review has started).
 */
export const RECORDING_CHECK_GRACE_MS = DEFAULT_INGEST_GRACE_MS;

/**
 * How long after uploads went quiet an ended attempt is still looked at early (each sweep in
 * it checks whether the recording is complete yet); after that, only at the grace period's end.
 */
export const EARLY_CHECK_WINDOW_MS = 60_000;

/** When an ended attempt's recording is checked. */
export interface RecordingCheckOptions {
  /** Quiet time after the last upload (and after the end). Default UPLOAD_QUIET_MS. */
  quietMs?: number;
  /** Checked by then whatever arrives. Default RECORDING_CHECK_GRACE_MS. */
  graceMs?: number;
  /** How long a quiet session is looked at early. Default EARLY_CHECK_WINDOW_MS. */
  earlyWindowMs?: number;
  /** Sessions checked per call at most. */
  limit?: number;
}

/** The `recording.checked` event of a session (an id, or the session row of an outer query). */
const checkedEvent = (db: DbOrTx, sessionId: string | typeof examSessions.id) =>
  db
    .select({ one: sessionEvents.id })
    .from(sessionEvents)
    .where(
      and(
        eq(sessionEvents.sessionId, sessionId),
        eq(sessionEvents.source, 'server'),
        eq(sessionEvents.type, RECORDING_CHECKED_EVENT),
      ),
    );

/**
 * Check the recordings of ended sessions that were not checked yet, once the verdict can no
 * longer change:
 * - early, when uploads have gone quiet (nothing new received for `quietMs` after the end, looked
 *   at for `earlyWindowMs` after that and again whenever more arrives) **and** the recording is
 *   already complete: nothing is missing, so nothing the grace period could still fill is
 *   judged;
 * - otherwise at the end of the ingest grace period (`graceMs` after the end), after which the
 *   server takes nothing new: every hole left becomes a `recording.gap` server event (those in
 *   tracks the exam requires raise `recording_gap` flags once the session is re-judged).
 * Flags are append-only, so a backlog still draining after a network cut must never be judged
 * as missing. A `recording.checked` event records the verdict, so each session is checked once.
 * Returns the sessions checked.
 */
export async function checkEndedRecordings(
  db: Db,
  now: Date,
  options: RecordingCheckOptions = {},
): Promise<string[]> {
  const quietMs = options.quietMs ?? UPLOAD_QUIET_MS;
  const graceMs = options.graceMs ?? RECORDING_CHECK_GRACE_MS;
  const quietSince = new Date(now.getTime() - quietMs);
  const lookedAtSince = new Date(
    quietSince.getTime() - (options.earlyWindowMs ?? EARLY_CHECK_WINDOW_MS),
  );
  const graceOver = new Date(now.getTime() - graceMs);
  const receivedSince = (table: typeof mediaSegments | typeof snapshots, since: Date) =>
    db
      .select({ one: table.id })
      .from(table)
      .where(and(eq(table.sessionId, examSessions.id), gt(table.receivedAt, since)));
  const due = await db
    .select({ id: examSessions.id, endedAt: examSessions.endedAt })
    .from(examSessions)
    .where(
      and(
        // Also under review or reviewed: a reviewer may start (and finish) within seconds of
        // the end, while uploads are still open; the recording is checked all the same.
        inArray(examSessions.state, [...ENDED_STATES]),
        isNotNull(examSessions.endedAt),
        lt(examSessions.endedAt, quietSince),
        or(
          lt(examSessions.endedAt, graceOver),
          and(
            // Quiet now, after the end or something received lately: worth an early look.
            notExists(receivedSince(mediaSegments, quietSince)),
            notExists(receivedSince(snapshots, quietSince)),
            or(
              gt(examSessions.endedAt, lookedAtSince),
              exists(receivedSince(mediaSegments, lookedAtSince)),
              exists(receivedSince(snapshots, lookedAtSince)),
            ),
          ),
        ),
        notExists(checkedEvent(db, examSessions.id)),
      ),
    )
    .orderBy(asc(examSessions.endedAt))
    .limit(options.limit ?? 50);
  const checked: string[] = [];
  for (const { id, endedAt } of due) {
    const final = endedAt !== null && endedAt < graceOver;
    const done = await db.transaction(async (tx) => {
      // Several processes may sweep at once: one check per session, under its lock.
      await lockInTransaction(tx, EVIDENCE_LOCK, id);
      const [already] = await checkedEvent(tx, id).limit(1);
      if (already) return false;
      const report = await checkCompleteness(tx, id, now);
      // Incomplete within the grace period: what is missing may still arrive.
      if (!final && !report.complete) return false;
      await recordGaps(tx, report);
      await appendServerEvents(tx, id, [
        {
          type: RECORDING_CHECKED_EVENT,
          data: {
            complete: report.complete,
            gaps: report.gaps.length,
            segments: report.segmentCount,
          },
        },
      ]);
      return true;
    });
    if (done) checked.push(id);
  }
  return checked;
}
