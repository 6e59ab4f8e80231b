import { and, eq } from 'drizzle-orm';
import {
  canTransition,
  type ExamSession,
  SESSION_TRANSITIONS,
  type SessionState,
  type TransitionActor,
} from '@invigil/contracts';
import type { Db, DbOrTx } from '../db/database.js';
import { examSessions, exams, registrations } from '../db/schema.js';
import { errors } from '../errors.js';
import type { Clock } from '../ports/clock.port.js';
import type { Actor } from './actor.js';
import { appendAudit } from './audit.service.js';
import { loadExamFor } from './exam-access.js';
import { iso, isoOrNull } from './time.js';

type SessionRow = typeof examSessions.$inferSelect;

const toSession = (s: SessionRow): ExamSession => ({
  id: s.id,
  registrationId: s.registrationId,
  examId: s.examId,
  studentId: s.studentId,
  state: s.state as SessionState,
  consentedAt: isoOrNull(s.consentedAt),
  startedAt: isoOrNull(s.startedAt),
  deadlineAt: isoOrNull(s.deadlineAt),
  endedAt: isoOrNull(s.endedAt),
  updatedAt: iso(s.updatedAt),
});

/**
 * Decide whether `actor` may move a session from `from` to `to`.
 * Not in the table at all → ILLEGAL_TRANSITION (409); in the table for someone else → FORBIDDEN.
 */
export function checkTransition(
  from: SessionState,
  to: SessionState,
  actor: TransitionActor,
): void {
  if (canTransition(from, to, actor)) return;
  if (SESSION_TRANSITIONS[from][to]) {
    throw errors.forbidden(
      `Only ${SESSION_TRANSITIONS[from][to]?.join(' or ')} can move a session to ${to}`,
    );
  }
  throw errors.conflict('ILLEGAL_TRANSITION', `A session cannot go from ${from} to ${to}`, {
    from,
    to,
  });
}

/** Exam attempts and their state machine. */
export class SessionService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  private async loadFor(
    db: DbOrTx,
    actor: Actor,
    id: string,
  ): Promise<{ row: SessionRow; as: TransitionActor }> {
    const [row] = await db.select().from(examSessions).where(eq(examSessions.id, id));
    if (!row) throw errors.notFound('Session');
    if (actor.role === 'student') {
      if (row.studentId !== actor.userId) throw errors.notFound('Session');
      return { row, as: 'student' };
    }
    await loadExamFor(db, actor, row.examId, 'read');
    return { row, as: 'staff' };
  }

  /** One session: its student, or staff of its exam. */
  async get(actor: Actor, id: string): Promise<ExamSession> {
    return toSession((await this.loadFor(this.db, actor, id)).row);
  }

  /** Move a session along the state machine, audited in the same transaction. */
  async transition(
    actor: Actor,
    id: string,
    to: SessionState,
    reason?: string,
  ): Promise<ExamSession> {
    return this.db.transaction(async (tx) => {
      const { row, as } = await this.loadFor(tx, actor, id);
      const from = row.state as SessionState;
      checkTransition(from, to, as);
      const now = this.clock.now();
      if (to === 'checking_in' || (to === 'in_progress' && from === 'checking_in')) {
        const [ctx] = await tx
          .select({ e: exams, r: registrations })
          .from(exams)
          .innerJoin(registrations, eq(registrations.id, row.registrationId))
          .where(eq(exams.id, row.examId));
        if (!ctx || ctx.r.status !== 'active')
          throw errors.conflict('CONFLICT', 'The registration is cancelled');
        if (ctx.e.status !== 'published' || now < ctx.e.opensAt || now >= ctx.e.closesAt) {
          throw errors.conflict('EXAM_NOT_OPEN', 'The exam window is not open', {
            opensAt: iso(ctx.e.opensAt),
            closesAt: iso(ctx.e.closesAt),
          });
        }
      }
      const [updated] = await tx
        .update(examSessions)
        .set({
          state: to,
          updatedAt: now,
          ...(to === 'in_progress' && !row.startedAt && { startedAt: now }),
          ...((to === 'submitted' || to === 'terminated') && { endedAt: now }),
        })
        // Guard on the old state so two racing transitions cannot both apply.
        .where(and(eq(examSessions.id, id), eq(examSessions.state, from)))
        .returning();
      if (!updated)
        throw errors.conflict('CONFLICT', 'The session changed meanwhile; reload and retry');
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'session.transition',
        entityType: 'session',
        entityId: id,
        examId: row.examId,
        data: { from, to, ...(reason && { reason }) },
      });
      return toSession(updated);
    });
  }
}
