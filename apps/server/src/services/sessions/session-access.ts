import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import type { SessionState } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { auditLog, examSessions, sessionEvents } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { loadExamFor } from '../exams/exam-access.js';

/** An exam session row. */
export type SessionRow = typeof examSessions.$inferSelect;

/**
 * States of an attempt that has ended (`ended_at` is set): submitted or terminated, and the
 * review that follows. Starting a review does not end the browser's backlog: every one of
 * them takes uploads until the grace period after the end is over.
 */
export const ENDED_STATES: readonly SessionState[] = [
  'submitted',
  'terminated',
  'under_review',
  'reviewed',
];

/**
 * States in which a session accepts recording uploads and client events: from check-in
 * until it is ended, plus the ended states (within the grace period, see `ingestClosed`)
 * so a backlog queued in the browser can still arrive after submit or termination, also
 * once a reviewer has started the review.
 */
export const RECORDING_STATES: readonly SessionState[] = [
  'checking_in',
  'in_progress',
  'paused',
  ...ENDED_STATES,
];

/** 409 SESSION_NOT_RECORDING unless the session is in one of RECORDING_STATES. */
export function assertRecording(row: Pick<SessionRow, 'state'>): void {
  const state = row.state as SessionState;
  if (!RECORDING_STATES.includes(state)) {
    throw errors.conflict(
      'SESSION_NOT_RECORDING',
      `A ${state} session does not accept recordings or events`,
      { state },
    );
  }
}

/** Default of how long after a session ended (`ended_at`) new uploads are still taken. */
export const DEFAULT_INGEST_GRACE_MS = 15 * 60_000;

/**
 * True once an ended session's grace period is over (server clock), whatever the review has
 * done meanwhile: the browser has had `graceMs` to drain its queue, so anything new after
 * that is not a backlog.
 */
export function ingestClosed(
  row: Pick<SessionRow, 'state' | 'endedAt'>,
  now: Date,
  graceMs: number,
): boolean {
  const ended = ENDED_STATES.includes(row.state as SessionState);
  return ended && row.endedAt !== null && now.getTime() > row.endedAt.getTime() + graceMs;
}

function sessionClosed(row: Pick<SessionRow, 'endedAt'>, graceMs: number): Error {
  const closedAt = new Date((row.endedAt?.getTime() ?? 0) + graceMs);
  return errors.conflict(
    'SESSION_CLOSED',
    `This session ended; uploads closed ${Math.round(graceMs / 60_000)} minutes after its end`,
    { endedAt: row.endedAt?.toISOString() ?? null, closedAt: closedAt.toISOString() },
  );
}

/**
 * 409 SESSION_NOT_RECORDING outside RECORDING_STATES, 409 SESSION_CLOSED once the grace
 * period after the end is over. Retries of what is already stored are answered before this.
 */
export function assertIngestOpen(
  row: Pick<SessionRow, 'state' | 'endedAt'>,
  now: Date,
  graceMs: number,
): void {
  assertRecording(row);
  if (ingestClosed(row, now, graceMs)) throw sessionClosed(row, graceMs);
}

/**
 * Once the ingest is closed, an event batch is answered only when it is a retry: every
 * sequence number in it is already stored. Anything new is 409 SESSION_CLOSED.
 */
export async function assertEventsRetried(
  db: DbOrTx,
  row: Pick<SessionRow, 'id' | 'state' | 'endedAt'>,
  seqs: readonly number[],
  now: Date,
  graceMs: number,
): Promise<void> {
  if (!ingestClosed(row, now, graceMs)) return;
  const wanted = [...new Set(seqs)];
  const stored = await db
    .select({ seq: sessionEvents.seq })
    .from(sessionEvents)
    .where(
      and(
        eq(sessionEvents.sessionId, row.id),
        eq(sessionEvents.source, 'client'),
        inArray(sessionEvents.seq, wanted),
      ),
    );
  if (stored.length < wanted.length) throw sessionClosed(row, graceMs);
}

/**
 * The session the student is uploading to: their own, and recording. Another student's
 * session is NOT_FOUND (its existence does not leak); staff never upload. With `lock`, the
 * row is share-locked until the caller's transaction ends, so a concurrent state change
 * waits for the upload to commit. `anyState` skips the state check (the caller does it).
 */
export async function sessionForUpload(
  db: DbOrTx,
  actor: Actor,
  id: string,
  opts: { lock?: boolean; anyState?: boolean } = {},
): Promise<SessionRow> {
  if (actor.role !== 'student') throw errors.forbidden('Only the student taking the exam uploads');
  const query = db.select().from(examSessions).where(eq(examSessions.id, id));
  const [row] = opts.lock ? await query.for('share') : await query;
  if (!row || row.studentId !== actor.userId) throw errors.notFound('Session');
  if (!opts.anyState) assertRecording(row);
  return row;
}

/**
 * A session whose recording the actor may read: the student's own, or one of an exam the
 * staff member is assigned to (admins: any). Anything else is NOT_FOUND, like sessions.
 */
export async function sessionForRead(db: DbOrTx, actor: Actor, id: string): Promise<SessionRow> {
  const [row] = await db.select().from(examSessions).where(eq(examSessions.id, id));
  if (!row) throw errors.notFound('Session');
  if (actor.role === 'student') {
    if (row.studentId !== actor.userId) throw errors.notFound('Session');
    return row;
  }
  await loadExamFor(db, actor, row.examId, 'read');
  return row;
}

/** What part of a recording was opened, for the audit entry. */
export type RecordingPart = 'manifest' | 'events' | 'media' | 'snapshot' | 'flags';

/** Repeated reads of the same blob by the same staff member within this window are audited once. */
export const VIEW_AUDIT_WINDOW_MS = 15 * 60_000;

/** Which stored object a blob read opened, e.g. `media:webcam:3`; what repeated reads are keyed by. */
function objectOf(part: RecordingPart, data: Record<string, unknown>): string | undefined {
  if (part === 'media') return `media:${String(data.track)}:${String(data.seq)}`;
  if (part === 'snapshot') return `snapshot:${String(data.kind)}:${String(data.seq)}`;
  return undefined;
}

/**
 * Write `recording.view` to the audit log when staff open a student's recording. Students
 * reading their own are not audited. Manifest and event views are always written; every
 * recording segment, snapshot and identity photo opened is written too, once per object: a
 * video player fetches many byte ranges of one segment, so reads of an object this staff
 * member already opened within VIEW_AUDIT_WINDOW_MS are the same view.
 */
export async function auditRecordingView(
  db: DbOrTx,
  actor: Actor,
  row: SessionRow,
  part: RecordingPart,
  now: Date,
  data: Record<string, unknown> = {},
): Promise<void> {
  if (actor.role === 'student') return;
  const object = objectOf(part, data);
  await db.transaction(async (tx) => {
    if (object) {
      const [recent] = await tx
        .select({ id: auditLog.id })
        .from(auditLog)
        .where(
          and(
            eq(auditLog.entityType, 'session'),
            eq(auditLog.entityId, row.id),
            eq(auditLog.action, 'recording.view'),
            eq(auditLog.actorId, actor.userId),
            gt(auditLog.at, new Date(now.getTime() - VIEW_AUDIT_WINDOW_MS)),
            sql`${auditLog.data}->>'object' = ${object}`,
          ),
        )
        .limit(1);
      if (recent) return;
    }
    await appendAudit(
      tx,
      {
        actorId: actor.userId,
        action: 'recording.view',
        entityType: 'session',
        entityId: row.id,
        examId: row.examId,
        data: { part, studentId: row.studentId, ...data, ...(object && { object }) },
      },
      now,
    );
  });
}
