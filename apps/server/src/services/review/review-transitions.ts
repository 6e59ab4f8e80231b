import { and, eq } from 'drizzle-orm';
import type { SessionState } from '@invigil/contracts';
import { lockInTransaction, SESSION_FLAGS_LOCK } from '../../db/advisory-locks.js';
import type { Tx } from '../../db/database.js';
import { examSessions } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { loadExamFor } from '../exams/exam-access.js';
import { checkTransition, type SessionRow } from '../sessions/sessions.service.js';

/** States in which flags may be decided and a verdict given. */
const REVIEWABLE: readonly SessionState[] = ['submitted', 'terminated', 'under_review'];

/**
 * The session under a row lock, for a reviewer of its exam (others: NOT_FOUND), in a state
 * that accepts decisions (else 409 REVIEW_NOT_OPEN). Serialised with flag re-judgement so a
 * verdict never races a new flag. Shared by flag decisions and verdicts, which must agree on
 * when a review is open.
 */
export async function reviewableSession(
  tx: Tx,
  actor: Actor,
  sessionId: string,
): Promise<SessionRow> {
  if (actor.role === 'student') throw errors.forbidden('Only the exam’s staff review sessions');
  await lockInTransaction(tx, SESSION_FLAGS_LOCK, sessionId);
  const [session] = await tx
    .select()
    .from(examSessions)
    .where(eq(examSessions.id, sessionId))
    .for('update');
  if (!session) throw errors.notFound('Session');
  await loadExamFor(tx, actor, session.examId, 'read');
  const state = session.state as SessionState;
  if (!REVIEWABLE.includes(state)) {
    throw errors.conflict(
      'REVIEW_NOT_OPEN',
      state === 'reviewed'
        ? 'The verdict is given; the review reopens only if the student responds'
        : 'The attempt is not finished yet',
      { state },
    );
  }
  return session;
}

/**
 * Move a submitted or terminated session to under_review; the moved row, or null when it
 * already was under review. The first flag decision and a verdict given without one both
 * start the review this way.
 */
export async function startReview(
  tx: Tx,
  actor: Actor,
  session: SessionRow,
  now: Date,
): Promise<SessionRow | null> {
  const from = session.state as SessionState;
  if (from === 'under_review') return null;
  checkTransition(from, 'under_review', 'staff');
  // The recording is not checked here: the browser may still be delivering its backlog
  // (ingest stays open for the grace period); the evidence watchdog checks it once settled.
  return moveSession(tx, actor.userId, session, from, 'under_review', now, {
    reason: 'review started',
  });
}

/**
 * Change the (locked) session's state and audit it as a transition. Guarded by the expected
 * `from` state, so a concurrent change is a 409 CONFLICT rather than a lost update.
 */
export async function moveSession(
  tx: Tx,
  actorId: string,
  session: SessionRow,
  from: SessionState,
  to: SessionState,
  now: Date,
  data: Record<string, unknown>,
): Promise<SessionRow> {
  const [updated] = await tx
    .update(examSessions)
    .set({ state: to, updatedAt: now })
    .where(and(eq(examSessions.id, session.id), eq(examSessions.state, from)))
    .returning();
  if (!updated)
    throw errors.conflict('CONFLICT', 'The session changed meanwhile; reload and retry');
  await appendAudit(
    tx,
    {
      actorId,
      action: 'session.transition',
      entityType: 'session',
      entityId: session.id,
      examId: session.examId,
      data: { from, to, ...data },
    },
    now,
  );
  return updated;
}
