import { eq } from 'drizzle-orm';
import type { LegalHold, SessionLegalHolds } from '@invigil/contracts';
import type { Db, Tx } from '../../db/database.js';
import { examSessions, exams } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import { type Actor, requireRole } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { sessionForRead } from '../sessions/session-access.js';
import { type HoldColumns, legalHoldOf } from './retention-view.js';

/** What a hold is placed on. */
export type HoldTarget = 'session' | 'exam';

/**
 * Legal holds on sessions and exams. While one is placed, neither the retention sweep nor an
 * erasure deletes anything of the session (or of any session of the exam). Admins place and
 * lift them; staff who can read the session see them. Every change is audited
 * (`legal_hold.place`, `legal_hold.lift`) with its reason.
 */
export class LegalHoldService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** The session's own hold and its exam's. */
  async forSession(actor: Actor, sessionId: string): Promise<SessionLegalHolds> {
    requireRole(actor, ['proctor', 'instructor', 'admin']);
    const session = await sessionForRead(this.db, actor, sessionId);
    const [exam] = await this.db.select().from(exams).where(eq(exams.id, session.examId));
    return { session: legalHoldOf(session), exam: exam ? legalHoldOf(exam) : null };
  }

  /** Place (or re-word) a hold; placing it again keeps the first time and records the new reason. */
  async place(actor: Actor, target: HoldTarget, id: string, reason: string): Promise<LegalHold> {
    requireRole(actor, ['admin']);
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const row = await lockHoldRow(tx, target, id);
      const previous = legalHoldOf(row);
      const set = {
        legalHoldAt: row.legalHoldAt ?? now,
        legalHoldBy: actor.userId,
        legalHoldReason: reason,
      };
      await setHold(tx, target, id, set);
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'legal_hold.place',
        entityType: target,
        entityId: id,
        examId: row.examId,
        data: { reason, ...(previous && { previousReason: previous.reason }) },
      });
      const hold = legalHoldOf(set);
      if (!hold) throw new Error('hold not placed');
      return hold;
    });
  }

  /** Lift a hold (409 LEGAL_HOLD_NOT_PLACED when there is none); deletions due since then resume. */
  async lift(actor: Actor, target: HoldTarget, id: string): Promise<{ ok: true }> {
    requireRole(actor, ['admin']);
    await this.db.transaction(async (tx) => {
      const row = await lockHoldRow(tx, target, id);
      const previous = legalHoldOf(row);
      if (!previous) {
        throw errors.conflict('LEGAL_HOLD_NOT_PLACED', `This ${target} has no legal hold to lift`);
      }
      await setHold(tx, target, id, {
        legalHoldAt: null,
        legalHoldBy: null,
        legalHoldReason: null,
      });
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'legal_hold.lift',
        entityType: target,
        entityId: id,
        examId: row.examId,
        data: { reason: previous.reason, placedAt: previous.placedAt, placedBy: previous.placedBy },
      });
    });
    return { ok: true };
  }
}

/** The hold columns of the session or exam, locked for the change, and its exam. */
async function lockHoldRow(
  tx: Tx,
  target: HoldTarget,
  id: string,
): Promise<HoldColumns & { examId: string }> {
  const cols = {
    legalHoldAt: target === 'session' ? examSessions.legalHoldAt : exams.legalHoldAt,
    legalHoldBy: target === 'session' ? examSessions.legalHoldBy : exams.legalHoldBy,
    legalHoldReason: target === 'session' ? examSessions.legalHoldReason : exams.legalHoldReason,
  };
  const [row] =
    target === 'session'
      ? await tx
          .select({ ...cols, examId: examSessions.examId })
          .from(examSessions)
          .where(eq(examSessions.id, id))
          .for('update')
      : await tx
          .select({ ...cols, examId: exams.id })
          .from(exams)
          .where(eq(exams.id, id))
          .for('update');
  if (!row) throw errors.notFound(target === 'session' ? 'Session' : 'Exam');
  return row;
}

/** Write the hold columns of the session or exam. */
async function setHold(tx: Tx, target: HoldTarget, id: string, set: HoldColumns): Promise<void> {
  if (target === 'session') await tx.update(examSessions).set(set).where(eq(examSessions.id, id));
  else await tx.update(exams).set(set).where(eq(exams.id, id));
}
