import { and, eq, isNull, lte, or } from 'drizzle-orm';
import {
  canTransition,
  DEFAULT_POLICY,
  ProctoringPolicy,
  TRANSITION_ACTOR_LABEL,
  type ExamSession,
  SESSION_TRANSITIONS,
  type SessionState,
  type TransitionActor,
} from '@invigil/contracts';
import type { Db, DbOrTx, Tx } from '../../db/database.js';
import { examSessions, exams, registrations } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import { type Actor, requireRole } from '../accounts/actor.js';
import { assertMayTakeExams } from '../accounts/signup-approval.js';
import { scoreSession } from '../exams/attempt-score.js';
import { requireCheckIn } from './check-in.js';
import { appendAudit } from '../audit/audit.service.js';
import { loadExamFor } from '../exams/exam-access.js';
import { computeDeadline, isTimeUp, pausedAfterTimeUp, resumeClock } from '../exams/exam-timing.js';
import type { EmitLive } from '../live/live-feed.service.js';
import { iso, isoOrNull } from './time.js';

/** An exam_sessions row. */
export type SessionRow = typeof examSessions.$inferSelect;

/** API view of a session row. */
export const toSession = (s: SessionRow): ExamSession => ({
  id: s.id,
  registrationId: s.registrationId,
  examId: s.examId,
  studentId: s.studentId,
  state: s.state as SessionState,
  attempt: s.attempt,
  supersededAt: isoOrNull(s.supersededAt),
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
      `Only ${SESSION_TRANSITIONS[from][to]?.map((a) => TRANSITION_ACTOR_LABEL[a]).join(' or ')} can move a session to ${to}`,
    );
  }
  throw errors.conflict('ILLEGAL_TRANSITION', `A session cannot go from ${from} to ${to}`, {
    from,
    to,
  });
}

/** True when the attempt is running (or paused) and its time is up: it must be auto-submitted. */
export function isDue(row: SessionRow, now: Date): boolean {
  return (row.state === 'in_progress' || row.state === 'paused') && isTimeUp(row, now);
}

const timeOver = (row: SessionRow) =>
  errors.conflict('EXAM_TIME_OVER', 'The time for this attempt is over', {
    deadlineAt: isoOrNull(row.deadlineAt),
  });

/**
 * Submit an attempt whose time is up, on behalf of the system: score it, end it at its
 * deadline, audit `session.auto_submit`. Re-reads the row under a lock, so a racing sweeper,
 * request or student submit applies only once. Returns the row and whether this call submitted it.
 */
export async function autoSubmit(
  tx: Tx,
  id: string,
  now: Date,
): Promise<{ row: SessionRow | undefined; submitted: boolean }> {
  const [row] = await tx.select().from(examSessions).where(eq(examSessions.id, id)).for('update');
  if (!row || !isDue(row, now)) return { row, submitted: false };
  const { score, maxScore } = await scoreSession(tx, row.examId, row.id);
  const [updated] = await tx
    .update(examSessions)
    .set({
      state: 'submitted',
      endedAt: row.deadlineAt ?? now,
      pausedAt: null,
      score,
      maxScore,
      updatedAt: now,
    })
    .where(and(eq(examSessions.id, id), eq(examSessions.state, row.state)))
    .returning();
  if (!updated) return { row, submitted: false };
  await appendAudit(tx, {
    actorId: null,
    action: 'session.auto_submit',
    entityType: 'session',
    entityId: id,
    examId: row.examId,
    data: { from: row.state, deadlineAt: isoOrNull(row.deadlineAt), score, maxScore },
  });
  return { row: updated, submitted: true };
}

/** The live message telling a session's student and the exam's staff its new state. */
export const sessionStateMessage = (row: SessionRow) =>
  ({
    topic: 'session.state',
    data: toSession(row),
    examId: row.examId,
    sessionId: row.id,
    audience: 'student',
  }) as const;

/**
 * Auto-submit every running or paused attempt whose time is up (a paused attempt only when its
 * time had run out before the pause: a pause stops the clock). Each session is its own short
 * transaction; `onSubmitted` hears of each one after it commits. Returns how many were submitted.
 */
export async function sweepExpiredSessions(
  db: Db,
  now: Date,
  opts: { limit?: number; onSubmitted?: (row: SessionRow) => Promise<void> } = {},
): Promise<number> {
  const limit = opts.limit ?? 500;
  const due = await db
    .select({ id: examSessions.id })
    .from(examSessions)
    .where(
      or(
        and(eq(examSessions.state, 'in_progress'), lte(examSessions.deadlineAt, now)),
        and(eq(examSessions.state, 'paused'), lte(examSessions.deadlineAt, examSessions.pausedAt)),
      ),
    )
    .limit(limit);
  let submitted = 0;
  for (const { id } of due) {
    const result = await db.transaction((tx) => autoSubmit(tx, id, now));
    if (result.submitted) submitted += 1;
    if (result.submitted && result.row) await opts.onSubmitted?.(result.row);
  }
  return submitted;
}

/**
 * Catch up with a deadline the sweeper has not reached yet: auto-submit now if due, so a
 * request never sees an attempt running past its time. Returns the current row.
 */
export async function expireIfDue(
  db: Db,
  row: SessionRow,
  now: Date,
  /** Told of the auto-submit, so the student's page and the dashboards hear of it at once. */
  live?: EmitLive,
): Promise<SessionRow> {
  if (!isDue(row, now)) return row;
  const result = await db.transaction((tx) => autoSubmit(tx, row.id, now));
  if (result.submitted && result.row) await live?.(sessionStateMessage(result.row));
  return result.row ?? row;
}

/** Exam attempts: consent, the state machine and the attempt's clock. */
export class SessionService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Where state changes go out live (the student's page and the exam's dashboard). */
    private readonly live?: EmitLive,
  ) {}

  private async loadFor(
    db: DbOrTx,
    actor: Actor,
    id: string,
    lock = false,
  ): Promise<{ row: SessionRow; as: TransitionActor }> {
    const query = db.select().from(examSessions).where(eq(examSessions.id, id));
    // Transitions lock the row: a submit then waits for an answer being saved, and scores it.
    const [row] = lock ? await query.for('update') : await query;
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
    const { row } = await this.loadFor(this.db, actor, id);
    return toSession(await expireIfDue(this.db, row, this.clock.now(), this.live));
  }

  /**
   * The student agrees to be proctored (recording, monitoring) before starting; required for
   * checking_in → in_progress. Idempotent: a second call returns the session unchanged.
   */
  async consent(actor: Actor, id: string): Promise<ExamSession> {
    requireRole(actor, ['student']);
    return this.db.transaction(async (tx) => {
      const { row } = await this.loadFor(tx, actor, id);
      if (row.consentedAt) return toSession(row);
      await assertMayTakeExams(tx, actor.userId);
      if (row.state !== 'registered' && row.state !== 'checking_in') {
        throw errors.conflict('CONFLICT', 'Consent is given before the attempt starts', {
          state: row.state,
        });
      }
      const [reg] = await tx
        .select({ status: registrations.status })
        .from(registrations)
        .where(eq(registrations.id, row.registrationId));
      if (reg?.status !== 'active') {
        throw errors.conflict('CONFLICT', 'The registration is cancelled');
      }
      const now = this.clock.now();
      const [updated] = await tx
        .update(examSessions)
        .set({ consentedAt: now, updatedAt: now })
        .where(and(eq(examSessions.id, id), isNull(examSessions.consentedAt)))
        .returning();
      if (!updated) return toSession((await this.loadFor(tx, actor, id)).row);
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'session.consent',
        entityType: 'session',
        entityId: id,
        examId: row.examId,
      });
      return toSession(updated);
    });
  }

  /**
   * Move a session along the state machine, audited in the same transaction. Starting needs
   * consent and every check-in step the policy requires (409 CHECK_IN_INCOMPLETE), and sets
   * the deadline; pausing stops the clock and resuming pushes the deadline
   * out by the pause; submitting stores the auto-score. `within` runs in the same transaction
   * after the change (interventions store their row there, so both commit or neither does).
   */
  async transition(
    actor: Actor,
    id: string,
    to: SessionState,
    reason?: string,
    within?: (tx: Tx, session: ExamSession) => Promise<void>,
  ): Promise<ExamSession> {
    const after = await this.db.transaction(async (tx) => {
      const { row, as } = await this.loadFor(tx, actor, id, true);
      const from = row.state as SessionState;
      checkTransition(from, to, as);
      const now = this.clock.now();
      const changes: Partial<SessionRow> = {};
      if (to === 'checking_in' || (to === 'in_progress' && from === 'checking_in')) {
        if (as === 'student') await assertMayTakeExams(tx, row.studentId);
        const [ctx] = await tx
          .select({ e: exams, r: registrations })
          .from(exams)
          .innerJoin(registrations, eq(registrations.id, row.registrationId))
          .where(eq(exams.id, row.examId))
          // A share lock: the question set cannot be replaced while an attempt starts.
          .for('share', { of: exams });
        if (!ctx || ctx.r.status !== 'active')
          throw errors.conflict('CONFLICT', 'The registration is cancelled');
        if (ctx.e.status !== 'published' || now < ctx.e.opensAt || now >= ctx.e.closesAt) {
          throw errors.conflict('EXAM_NOT_OPEN', 'The exam window is not open', {
            opensAt: iso(ctx.e.opensAt),
            closesAt: iso(ctx.e.closesAt),
          });
        }
        if (to === 'in_progress') {
          if (!row.consentedAt) {
            throw errors.conflict('CONSENT_REQUIRED', 'Consent to proctoring before starting');
          }
          // The server, not the browser, decides that check-in is done.
          const policy = ProctoringPolicy.safeParse(ctx.e.policy ?? {});
          await requireCheckIn(tx, id, policy.success ? policy.data : DEFAULT_POLICY);
          const startedAt = row.startedAt ?? now;
          changes.startedAt = startedAt;
          changes.deadlineAt = computeDeadline({
            startedAt,
            durationMinutes: ctx.e.durationMinutes,
            extraTimeMinutes: ctx.r.extraTimeMinutes,
            closesAt: ctx.e.closesAt,
            pausedMs: row.pausedMs,
            extendedMinutes: row.extendedMinutes,
          });
        }
      }
      if (to === 'paused') {
        if (isTimeUp(row, now)) throw timeOver(row);
        changes.pausedAt = now;
      }
      if (from === 'paused' && to === 'in_progress') {
        if (pausedAfterTimeUp(row)) throw timeOver(row);
        const resumed = resumeClock({ ...row, pausedAt: row.pausedAt ?? now }, now);
        Object.assign(changes, resumed, { pausedAt: null });
      }
      if (to === 'submitted') {
        const { score, maxScore } = await scoreSession(tx, row.examId, id);
        Object.assign(changes, { score, maxScore });
      }
      if (to === 'submitted' || to === 'terminated') changes.endedAt = now;
      const [updated] = await tx
        .update(examSessions)
        .set({ ...changes, state: to, updatedAt: now })
        // Guard on the old state so two racing transitions cannot both apply.
        .where(and(eq(examSessions.id, id), eq(examSessions.state, from)))
        .returning();
      if (!updated)
        throw errors.conflict('CONFLICT', 'The session changed meanwhile; reload and retry');
      // Holes in the recording are not recorded at review start: uploads stay open for the
      // grace period after the end; the evidence watchdog checks once they have settled.
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'session.transition',
        entityType: 'session',
        entityId: id,
        examId: row.examId,
        data: {
          from,
          to,
          ...(reason && { reason }),
          ...(changes.deadlineAt && { deadlineAt: iso(changes.deadlineAt) }),
          ...(to === 'submitted' && { score: changes.score, maxScore: changes.maxScore }),
        },
      });
      await within?.(tx, toSession(updated));
      return updated;
    });
    // After the commit: the student's page and the dashboard hear of the new state.
    await this.live?.(sessionStateMessage(after));
    return toSession(after);
  }
}
