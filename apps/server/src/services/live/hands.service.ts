import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { HelpRequest } from '@invigil/contracts';
import type { Db, Tx } from '../../db/database.js';
import { examSessions, helpRequests } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import type { ChatRateLimiter } from './chat-rate-limit.js';
import {
  ownSession,
  policyOf,
  requireState,
  sessionForStaffWrite,
} from './communication-access.js';
import { type HandRow, handsOfSession, toHelpRequest } from './hands-read.js';
import type { EmitLive } from './live-feed.service.js';
import { sessionForRead } from '../sessions/session-access.js';
import { personById } from '../accounts/people.js';
import { expireIfDue } from '../sessions/sessions.service.js';
import { isoOrNull } from '../sessions/time.js';

/** What a step did to a hand: the columns to set and the audit action, or nothing (repeat). */
type Step = { set: Partial<HandRow>; action: string; data?: Record<string, unknown> } | null;

/**
 * Raised hands: the student asks for help (one open hand per session), a proctor takes it so
 * two do not answer the same student (409 HAND_TAKEN naming the other, unless taking over),
 * then resolves it; the student may lower it; it closes itself when the attempt ends. Every
 * change is audited in its transaction and goes out live as `hand` (the student sees theirs).
 */
export class HandService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Sends committed changes live; never throws (see `EmitLive`). */
    private readonly live: EmitLive,
    /** Per-student limit on raising and lowering (429 HAND_RATE_LIMITED). */
    private readonly limiter: ChatRateLimiter,
  ) {}

  /** The student raises a hand (policy `raiseHand`; from check-in until the attempt ends). */
  async raise(actor: Actor, sessionId: string, message: string | null): Promise<HelpRequest> {
    const found = await ownSession(this.db, actor, sessionId);
    if (!(await policyOf(this.db, found.examId)).raiseHand) {
      throw errors.conflict('HAND_DISABLED', 'Raising a hand is turned off for this exam');
    }
    const session = await expireIfDue(this.db, found, this.clock.now(), this.live);
    requireState(session, ['checking_in', 'in_progress', 'paused'], 'Raising a hand');
    // Each raise pings every proctor's dashboard: a raise/lower loop must not flood them.
    await this.limiter.take(actor.userId);
    const now = this.clock.now();
    const row = await this.db.transaction(async (tx) => {
      // The partial unique index keeps one open hand per session, even under a race.
      const [inserted] = await tx
        .insert(helpRequests)
        .values({
          sessionId: session.id,
          examId: session.examId,
          studentId: session.studentId,
          message: message || null,
          raisedAt: now,
        })
        .onConflictDoNothing()
        .returning();
      if (!inserted) {
        const [open] = await tx
          .select({ id: helpRequests.id })
          .from(helpRequests)
          .where(and(eq(helpRequests.sessionId, session.id), isNull(helpRequests.closedAt)));
        throw errors.conflict('HAND_ALREADY_RAISED', 'Your hand is already raised', {
          handId: open?.id ?? null,
        });
      }
      await this.audit(tx, actor.userId, inserted, 'hand.raise', now);
      return inserted;
    });
    return this.publish(row);
  }

  /** The student lowers their own hand. */
  async lower(actor: Actor, handId: string): Promise<HelpRequest> {
    await this.limiter.take(actor.userId);
    return this.step(actor, handId, 'student', (row, now) => ({
      set: { closedAt: now, closedBy: actor.userId, closeReason: 'lowered' },
      action: 'hand.lower',
      data: { takenBy: row.takenBy },
    }));
  }

  /** A proctor takes the hand on (idempotent for the holder). */
  take(actor: Actor, handId: string, takeOver = false): Promise<HelpRequest> {
    return this.step(actor, handId, 'staff', async (row, now, tx) => {
      if (row.takenBy === actor.userId) return null;
      if (row.takenBy !== null && !takeOver) {
        const holder = await personById(tx, row.takenBy);
        throw errors.conflict(
          'HAND_TAKEN',
          `${holder?.name ?? 'Another proctor'} is answering this student; take it over to answer yourself`,
          { takenBy: holder, takenAt: isoOrNull(row.takenAt) },
        );
      }
      return {
        set: { takenBy: actor.userId, takenAt: now },
        action: 'hand.take',
        data: { previous: row.takenBy, takeOver: row.takenBy !== null },
      };
    });
  }

  /** A proctor resolves the hand: the student was helped. */
  resolve(actor: Actor, handId: string): Promise<HelpRequest> {
    return this.step(actor, handId, 'staff', (row, now) => ({
      set: { closedAt: now, closedBy: actor.userId, closeReason: 'resolved' },
      action: 'hand.resolve',
      data: { takenBy: row.takenBy },
    }));
  }

  /** A session's raised hands, oldest first (its student; the exam's staff). */
  async list(actor: Actor, sessionId: string): Promise<HelpRequest[]> {
    const session = await sessionForRead(this.db, actor, sessionId);
    return handsOfSession(this.db, session.id);
  }

  /**
   * Close the session's open hand because the attempt ended (audited with no actor). Called
   * once the end has committed; a hand already closed is left alone.
   */
  async closeForEndedSession(sessionId: string): Promise<void> {
    const now = this.clock.now();
    const closed = await this.db.transaction(async (tx) => {
      const rows = await tx
        .update(helpRequests)
        .set({ closedAt: now, closeReason: 'session_ended' })
        .where(and(eq(helpRequests.sessionId, sessionId), isNull(helpRequests.closedAt)))
        .returning();
      for (const row of rows) await this.audit(tx, null, row, 'hand.close', now);
      return rows;
    });
    for (const row of closed) await this.publish(row);
  }

  /**
   * Close the open hands of every attempt that has ended: the backstop for a process that
   * stopped between committing an end and closing its hands (see `afterSessionEnds`). Safe
   * in several processes at once (a hand closes once). Returns how many sessions it closed.
   */
  async sweepEnded(): Promise<number> {
    const stale = await this.db
      .selectDistinct({ sessionId: helpRequests.sessionId })
      .from(helpRequests)
      .innerJoin(examSessions, eq(examSessions.id, helpRequests.sessionId))
      .where(and(isNull(helpRequests.closedAt), isNotNull(examSessions.endedAt)));
    for (const { sessionId } of stale) await this.closeForEndedSession(sessionId);
    return stale.length;
  }

  /** Apply one step to an open hand the caller may act on, audited; closed is 409 HAND_CLOSED. */
  private async step(
    actor: Actor,
    handId: string,
    side: 'student' | 'staff',
    decide: (row: HandRow, now: Date, tx: Tx) => Step | Promise<Step>,
  ): Promise<HelpRequest> {
    const [found] = await this.db.select().from(helpRequests).where(eq(helpRequests.id, handId));
    if (!found) throw errors.notFound('Raised hand');
    let actingAs: string = side;
    if (side === 'student') {
      if (found.studentId !== actor.userId) throw errors.notFound('Raised hand');
    } else {
      try {
        actingAs = (await sessionForStaffWrite(this.db, actor, found.sessionId)).actingAs;
      } catch {
        throw errors.notFound('Raised hand');
      }
    }
    const now = this.clock.now();
    const result = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(helpRequests)
        .where(eq(helpRequests.id, handId))
        .for('update');
      if (!row) throw errors.notFound('Raised hand');
      if (row.closedAt) {
        throw errors.conflict('HAND_CLOSED', closedMessage(row), {
          closeReason: row.closeReason,
          closedAt: isoOrNull(row.closedAt),
        });
      }
      const decided = await decide(row, now, tx);
      if (!decided) return { row, changed: false };
      const [updated] = await tx
        .update(helpRequests)
        .set(decided.set)
        .where(eq(helpRequests.id, handId))
        .returning();
      if (!updated) throw errors.notFound('Raised hand');
      await this.audit(tx, actor.userId, updated, decided.action, now, {
        ...decided.data,
        actingAs,
      });
      return { row: updated, changed: true };
    });
    return result.changed ? this.publish(result.row) : toHelpRequest(this.db, result.row);
  }

  private async audit(
    tx: Tx,
    actorId: string | null,
    row: HandRow,
    action: string,
    at: Date,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    await appendAudit(
      tx,
      {
        actorId,
        action,
        entityType: 'help_request',
        entityId: row.id,
        examId: row.examId,
        data: { sessionId: row.sessionId, ...data },
      },
      at,
    );
  }

  /** Send the committed hand to the student's page and the exam's staff. */
  private async publish(row: HandRow): Promise<HelpRequest> {
    const hand = await toHelpRequest(this.db, row);
    await this.live({
      topic: 'hand',
      data: hand,
      examId: hand.examId,
      sessionId: hand.sessionId,
      audience: 'student',
    });
    return hand;
  }
}

function closedMessage(row: HandRow): string {
  switch (row.closeReason) {
    case 'lowered':
      return 'The student has lowered this hand';
    case 'session_ended':
      return 'This hand closed when the attempt ended';
    default:
      return 'This hand has already been resolved';
  }
}
