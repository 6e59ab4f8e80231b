import { and, eq, inArray, lt, notExists } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { examSessions, sessionEvents } from '../db/schema.js';
import { recordRecordingGaps } from './recording-manifest.js';
import { appendServerEvents } from './session-events.service.js';

/** Server event written once per ended session when its recording has been checked. */
export const RECORDING_CHECKED_EVENT = 'recording.checked';

/**
 * How long after an attempt ends its recording is checked: long enough for the browser to
 * drain its upload queue (it keeps uploading on the confirmation page), short enough that
 * reviewers see holes early. Review start checks again regardless.
 */
export const RECORDING_CHECK_GRACE_MS = 10 * 60_000;

/**
 * Check the recordings of sessions that ended more than `graceMs` ago and were not checked
 * yet: every hole becomes a `recording.gap` server event, and a `recording.checked` event
 * records the verdict, so each session is checked once. Returns the sessions checked.
 */
export async function checkEndedRecordings(
  db: Db,
  now: Date,
  graceMs = RECORDING_CHECK_GRACE_MS,
  limit = 50,
): Promise<string[]> {
  const due = await db
    .select({ id: examSessions.id })
    .from(examSessions)
    .where(
      and(
        inArray(examSessions.state, ['submitted', 'terminated']),
        lt(examSessions.endedAt, new Date(now.getTime() - graceMs)),
        notExists(
          db
            .select({ one: sessionEvents.id })
            .from(sessionEvents)
            .where(
              and(
                eq(sessionEvents.sessionId, examSessions.id),
                eq(sessionEvents.source, 'server'),
                eq(sessionEvents.type, RECORDING_CHECKED_EVENT),
              ),
            ),
        ),
      ),
    )
    .limit(limit);
  for (const { id } of due) {
    await db.transaction(async (tx) => {
      const report = await recordRecordingGaps(tx, id);
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
    });
  }
  return due.map((d) => d.id);
}
