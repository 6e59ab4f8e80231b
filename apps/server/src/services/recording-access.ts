import { and, eq, gt } from 'drizzle-orm';
import type { SessionState } from '@invigil/contracts';
import type { DbOrTx } from '../db/database.js';
import { auditLog, examSessions } from '../db/schema.js';
import { errors } from '../errors.js';
import type { Actor } from './actor.js';
import { appendAudit } from './audit.service.js';
import { loadExamFor } from './exam-access.js';

/** An exam session row. */
export type SessionRow = typeof examSessions.$inferSelect;

/**
 * States in which a session accepts recording uploads and client events: from check-in
 * until it is ended, plus the ended states so a backlog queued in the browser can still
 * arrive after submit or termination. Review states are closed.
 */
export const RECORDING_STATES: readonly SessionState[] = [
  'checking_in',
  'in_progress',
  'paused',
  'submitted',
  'terminated',
];

/** 409 SESSION_NOT_RECORDING unless the session is in one of RECORDING_STATES. */
export function assertRecording(row: SessionRow): void {
  const state = row.state as SessionState;
  if (!RECORDING_STATES.includes(state)) {
    throw errors.conflict(
      'SESSION_NOT_RECORDING',
      `A ${state} session does not accept recordings or events`,
      { state },
    );
  }
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

/** Repeated blob reads by the same staff member within this window are audited once. */
export const VIEW_AUDIT_WINDOW_MS = 15 * 60_000;

/**
 * Write `recording.view` to the audit log when staff open a student's recording. Students
 * reading their own are not audited. Manifest and event views are always written; blob
 * reads (a video player fetches many ranges) only when this staff member has no
 * `recording.view` of this session within VIEW_AUDIT_WINDOW_MS.
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
  await db.transaction(async (tx) => {
    if (part === 'media' || part === 'snapshot') {
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
        data: { part, studentId: row.studentId, ...data },
      },
      now,
    );
  });
}
