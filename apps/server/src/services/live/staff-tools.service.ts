import { and, asc, eq } from 'drizzle-orm';
import { canTransition } from '@invigil/contracts';
import type {
  ExamSession,
  ExtendTimeBody,
  Intervention,
  InterventionKind,
  SessionState,
} from '@invigil/contracts';
import type { Db, Tx } from '../../db/database.js';
import { examSessions, exams, interventions, registrations } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import { type Actor, requireRole } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { type ActingAs, sessionForStaffAction } from '../exams/exam-access.js';
import { remainingAt, resumeClock } from '../exams/exam-timing.js';
import { actingAsData, recordIntervention, toIntervention } from './intervention-record.js';
import type { EmitLive } from './live-feed.service.js';
import { ENDED_STATES, sessionForRead } from '../sessions/session-access.js';
import { expireIfDue, sessionStateMessage, toSession } from '../sessions/sessions.service.js';
import type { SessionRow } from '../sessions/sessions.service.js';
import { iso, isoOrNull } from '../sessions/time.js';

/** Requests the student answers with a capture; staff may withdraw them while pending. */
const CANCELLABLE: readonly InterventionKind[] = ['room_scan', 're_enrol'];

/** States in which staff may add time: the attempt's clock is running or stopped by a pause. */
const EXTENDABLE: readonly SessionState[] = ['in_progress', 'paused'];

const MINUTE = 60_000;

/**
 * 409 CONFLICT when the attempt's registration was cancelled, 409 EXAM_NOT_OPEN unless the exam
 * is published and not yet closed: staff may only give time back to someone who may still sit.
 */
async function assertMaySit(tx: Tx, session: SessionRow, now: Date, what: string) {
  const [ctx] = await tx
    .select({ e: exams, r: registrations })
    .from(registrations)
    .innerJoin(exams, eq(exams.id, registrations.examId))
    .where(eq(registrations.id, session.registrationId));
  if (!ctx || ctx.r.status !== 'active') {
    throw errors.conflict('CONFLICT', 'The registration is cancelled');
  }
  if (ctx.e.status !== 'published' || now >= ctx.e.closesAt) {
    throw errors.conflict('EXAM_NOT_OPEN', `${what} needs the exam to be open`, {
      closesAt: iso(ctx.e.closesAt),
    });
  }
}

/**
 * Staff tools for a stuck or wronged attempt: withdraw a pending request, add time to one
 * attempt, reopen a terminated attempt, grant a new attempt on the same registration. For the
 * exam's assigned proctors and for admins on any exam (audited with `actingAs: 'admin'`).
 * Each change writes an intervention row (so the history, the student's page and the review
 * show it) and its audit entries in one transaction, then goes out on the live feed.
 */
export class StaffToolsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Sends committed changes live; never throws (see `EmitLive`). */
    private readonly live: EmitLive,
  ) {}

  /**
   * Withdraw a room scan or new-identity-photo request the student has not completed: it
   * stops being asked (the student's dialog closes) and no longer lets identity photos in.
   * 409 INTERVENTION_NOT_APPLICABLE for other kinds, REQUEST_NOT_PENDING once completed or
   * already withdrawn.
   */
  async cancelRequest(
    actor: Actor,
    sessionId: string,
    interventionId: string,
    reason: string | undefined,
  ): Promise<Intervention> {
    const { row: session, actingAs } = await this.access(actor, sessionId);
    const updated = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(interventions)
        .where(and(eq(interventions.id, interventionId), eq(interventions.sessionId, session.id)))
        .for('update');
      if (!row) throw errors.notFound('Intervention');
      if (!CANCELLABLE.includes(row.kind as InterventionKind)) {
        throw errors.conflict(
          'INTERVENTION_NOT_APPLICABLE',
          'Only room scan and new identity photo requests can be withdrawn',
          { kind: row.kind },
        );
      }
      if (row.completedAt || row.cancelledAt) {
        throw errors.conflict(
          'REQUEST_NOT_PENDING',
          row.completedAt
            ? 'The student has already completed this request'
            : 'This request was already withdrawn',
          { completedAt: isoOrNull(row.completedAt), cancelledAt: isoOrNull(row.cancelledAt) },
        );
      }
      const [changed] = await tx
        .update(interventions)
        .set({ cancelledAt: this.clock.now(), cancelledBy: actor.userId })
        .where(eq(interventions.id, row.id))
        .returning();
      if (!changed) throw errors.notFound('Intervention');
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'intervention.cancel',
        entityType: 'intervention',
        entityId: row.id,
        examId: row.examId,
        data: {
          sessionId: session.id,
          kind: row.kind,
          ...(reason && { reason }),
          ...actingAsData(actingAs),
        },
      });
      return changed;
    });
    return this.publish(await toIntervention(this.db, updated));
  }

  /**
   * Add minutes to one running or paused attempt's deadline (kept in `extended_minutes`, so
   * an accommodation change later keeps it). 409 SESSION_NOT_ACTIVE in any other state.
   */
  async extendTime(actor: Actor, sessionId: string, body: ExtendTimeBody): Promise<ExamSession> {
    const { row, actingAs } = await this.access(actor, sessionId);
    await expireIfDue(this.db, row, this.clock.now(), this.live);
    const { session, record } = await this.db.transaction(async (tx) => {
      const current = await this.lock(tx, sessionId);
      const state = current.state as SessionState;
      if (!EXTENDABLE.includes(state)) {
        throw errors.conflict(
          'SESSION_NOT_ACTIVE',
          `Time can be added while the attempt is in progress or paused; this one is ${state}`,
          { state },
        );
      }
      const now = this.clock.now();
      const deadlineAt = current.deadlineAt
        ? new Date(current.deadlineAt.getTime() + body.minutes * MINUTE)
        : null;
      const [updated] = await tx
        .update(examSessions)
        .set({
          deadlineAt,
          extendedMinutes: current.extendedMinutes + body.minutes,
          updatedAt: now,
        })
        .where(eq(examSessions.id, sessionId))
        .returning();
      if (!updated) throw errors.notFound('Session');
      const record = await recordIntervention(tx, {
        actor,
        actingAs,
        session: updated,
        kind: 'extend_time',
        message: body.reason,
        minutes: body.minutes,
        at: now,
        audit: { from: isoOrNull(current.deadlineAt), deadlineAt: isoOrNull(deadlineAt) },
      });
      return { session: updated, record };
    });
    await this.publish(await toIntervention(this.db, record));
    // The student's countdown follows the session: the new deadline reaches it at once.
    await this.live(sessionStateMessage(session));
    return toSession(session);
  }

  /**
   * Reopen a terminated attempt: it comes back paused, with the time it had left when it was
   * terminated, and the clock stays stopped until a proctor resumes it with the student back
   * (the time since the termination counts as paused). 409 NO_TIME_LEFT when none was left;
   * like a new attempt, only on an active registration while the exam is open (409 CONFLICT,
   * 409 EXAM_NOT_OPEN).
   */
  async reopen(actor: Actor, sessionId: string, reason: string): Promise<ExamSession> {
    const { actingAs } = await this.access(actor, sessionId);
    const { session, record } = await this.db.transaction(async (tx) => {
      const current = await this.lock(tx, sessionId);
      const from = current.state as SessionState;
      if (!canTransition(from, 'paused', 'reopen')) {
        throw errors.conflict(
          'ILLEGAL_TRANSITION',
          `Only a terminated attempt can be reopened; this one is ${from}`,
          {
            from,
            to: 'paused',
          },
        );
      }
      this.refuseSuperseded(current);
      await assertMaySit(tx, current, this.clock.now(), 'Reopening an attempt');
      const endedAt = current.endedAt ?? this.clock.now();
      const left = remainingAt(current, endedAt);
      if (left <= 0) {
        throw errors.conflict(
          'NO_TIME_LEFT',
          'This attempt had no time left when it was terminated; grant a new attempt instead',
          { deadlineAt: isoOrNull(current.deadlineAt), endedAt: iso(endedAt) },
        );
      }
      const now = this.clock.now();
      // The time since the termination (and any pause running then) counts as paused, added
      // now; the attempt is then paused from now, so the student sees the full time left and
      // resuming (`resumeClock`) starts the clock from there.
      const clock = resumeClock({ ...current, pausedAt: current.pausedAt ?? endedAt }, now);
      const [updated] = await tx
        .update(examSessions)
        .set({ ...clock, state: 'paused', pausedAt: now, endedAt: null, updatedAt: now })
        .where(and(eq(examSessions.id, sessionId), eq(examSessions.state, from)))
        .returning();
      if (!updated)
        throw errors.conflict('CONFLICT', 'The session changed meanwhile; reload and retry');
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'session.transition',
        entityType: 'session',
        entityId: sessionId,
        examId: current.examId,
        data: {
          from,
          to: 'paused',
          via: 'reopen',
          reason,
          remainingMs: left,
          ...actingAsData(actingAs),
        },
      });
      const record = await recordIntervention(tx, {
        actor,
        actingAs,
        session: updated,
        kind: 'reopen',
        message: reason,
        at: now,
        audit: { remainingMs: left, terminatedAt: iso(endedAt) },
      });
      return { session: updated, record };
    });
    await this.publish(await toIntervention(this.db, record));
    await this.live(sessionStateMessage(session));
    return toSession(session);
  }

  /**
   * Grant a new attempt on the same registration: a fresh session (check-in from the start,
   * consent included) becomes the current one, and this one stays, superseded, with its
   * recording, flags and review. Only from a finished attempt (409 ATTEMPT_NOT_FINISHED),
   * the current one (409 ATTEMPT_SUPERSEDED), while the exam is open (409 EXAM_NOT_OPEN) and
   * the registration active.
   */
  async newAttempt(actor: Actor, sessionId: string, reason: string): Promise<ExamSession> {
    const { row, actingAs } = await this.access(actor, sessionId);
    await expireIfDue(this.db, row, this.clock.now(), this.live);
    const created = await this.db.transaction(async (tx) => {
      const current = await this.lock(tx, sessionId);
      this.refuseSuperseded(current);
      const state = current.state as SessionState;
      if (!ENDED_STATES.includes(state)) {
        throw errors.conflict(
          'ATTEMPT_NOT_FINISHED',
          `A new attempt is granted once this one has ended; it is ${state}`,
          { state },
        );
      }
      const now = this.clock.now();
      await assertMaySit(tx, current, now, 'A new attempt');
      await tx
        .update(examSessions)
        .set({ supersededAt: now, updatedAt: now })
        .where(eq(examSessions.id, current.id));
      const [fresh] = await tx
        .insert(examSessions)
        .values({
          registrationId: current.registrationId,
          examId: current.examId,
          studentId: current.studentId,
          attempt: current.attempt + 1,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      if (!fresh) throw new Error('session insert returned nothing');
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'session.new_attempt',
        entityType: 'session',
        entityId: fresh.id,
        examId: current.examId,
        data: {
          previousSessionId: current.id,
          attempt: fresh.attempt,
          reason,
          ...actingAsData(actingAs),
        },
      });
      const record = await recordIntervention(tx, {
        actor,
        actingAs,
        session: current,
        kind: 'new_attempt',
        message: reason,
        at: now,
        audit: { newSessionId: fresh.id, attempt: fresh.attempt },
      });
      return { fresh, record };
    });
    await this.publish(await toIntervention(this.db, created.record));
    await this.live(sessionStateMessage(created.fresh));
    return toSession(created.fresh);
  }

  /** Every attempt of the session's registration, first to last (staff of the exam, its student). */
  async attempts(actor: Actor, sessionId: string): Promise<ExamSession[]> {
    const session = await sessionForRead(this.db, actor, sessionId);
    const rows = await this.db
      .select()
      .from(examSessions)
      .where(eq(examSessions.registrationId, session.registrationId))
      .orderBy(asc(examSessions.attempt));
    return rows.map(toSession);
  }

  private async access(actor: Actor, sessionId: string) {
    requireRole(actor, ['proctor', 'admin']);
    return sessionForStaffAction(this.db, actor, sessionId) as Promise<{
      row: SessionRow;
      actingAs: ActingAs;
    }>;
  }

  private async lock(tx: Tx, sessionId: string): Promise<SessionRow> {
    const [row] = await tx
      .select()
      .from(examSessions)
      .where(eq(examSessions.id, sessionId))
      .for('update');
    if (!row) throw errors.notFound('Session');
    return row;
  }

  private refuseSuperseded(row: SessionRow): void {
    if (!row.supersededAt) return;
    throw errors.conflict(
      'ATTEMPT_SUPERSEDED',
      'A newer attempt was granted in this one’s place; act on the current attempt',
      { supersededAt: iso(row.supersededAt) },
    );
  }

  private async publish(intervention: Intervention): Promise<Intervention> {
    await this.live({
      topic: 'intervention',
      data: intervention,
      examId: intervention.examId,
      sessionId: intervention.sessionId,
      audience: 'student',
    });
    return intervention;
  }
}
