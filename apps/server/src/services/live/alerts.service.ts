import { eq, inArray } from 'drizzle-orm';
import type { AlertState } from '@invigil/contracts';
import type { Db, Tx } from '../../db/database.js';
import { examSessions, flags } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { mergeConditions, toAlertState } from './alert-view.js';
import { peopleById, personById } from '../accounts/people.js';
import { appendAudit } from '../audit/audit.service.js';
import { loadExamFor } from '../exams/exam-access.js';
import type { EmitLive } from './live-feed.service.js';
import { isoOrNull } from '../sessions/time.js';

type FlagRow = typeof flags.$inferSelect;

/** The alert a flag belongs to: its leading flag and the other flags merged with it. */
interface AlertGroup {
  leadId: string;
  /** Every flag of the group but `flag` itself (the lead among them when `flag` is merged in). */
  others: string[];
}

/**
 * The alert `flag` is part of, whichever member it is: a proctor may act on a merged-in flag
 * by its own id (a stale feed, the review page), and the whole condition must follow.
 */
async function alertGroupOf(tx: Tx, flag: FlagRow): Promise<AlertGroup> {
  const rows = await tx.select().from(flags).where(eq(flags.sessionId, flag.sessionId));
  const group = mergeConditions(rows).find(
    (g) => g.primary.id === flag.id || g.related.some((f) => f.id === flag.id),
  );
  if (!group) return { leadId: flag.id, others: [] };
  const members = [group.primary, ...group.related].map((f) => f.id);
  return { leadId: group.primary.id, others: members.filter((id) => id !== flag.id) };
}

/** What a handling step decided: the new column values, or nothing to change. */
type Step = { set: Partial<FlagRow>; action: string; data?: Record<string, unknown> } | null;

/**
 * How proctors handle live alerts (flags on the dashboard): acknowledge one (the first
 * acknowledger is kept), take one on so two proctors do not handle the same alert, hand it
 * back. The exam's staff and admins only; every change is audited and goes out live as
 * `alert.updated`. An alert that merges several flags of one condition is handled as one,
 * whichever of its flags is named: the change applies to each of them (audited once, on the
 * named flag, naming the others; published under the leading flag's id). Repeating a step that is already done changes nothing and is not audited.
 */
export class AlertService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly live?: EmitLive,
  ) {}

  /** Mark an alert seen; idempotent, the first acknowledger and time are kept. */
  acknowledge(actor: Actor, flagId: string): Promise<AlertState> {
    return this.handle(actor, flagId, (row, now) =>
      row.acknowledgedBy !== null || row.acknowledgedAt !== null
        ? null
        : {
            set: { acknowledgedBy: actor.userId, acknowledgedAt: now },
            action: 'alert.acknowledge',
          },
    );
  }

  /**
   * Take an alert on. Held by someone else: 409 ALERT_TAKEN naming them, unless `takeOver`.
   * Taking it on also acknowledges it if nobody had.
   */
  assign(actor: Actor, flagId: string, takeOver = false): Promise<AlertState> {
    return this.handle(actor, flagId, async (row, now, tx) => {
      if (row.assignedTo === actor.userId) return null;
      if (row.assignedTo !== null && !takeOver) {
        const holder = await personById(tx, row.assignedTo);
        throw errors.conflict(
          'ALERT_TAKEN',
          `${holder?.name ?? 'Another proctor'} is handling this alert; take it over to handle it yourself`,
          { assignedTo: holder ?? null, assignedAt: isoOrNull(row.assignedAt) },
        );
      }
      return {
        set: {
          assignedTo: actor.userId,
          assignedAt: now,
          ...(row.acknowledgedAt === null && { acknowledgedBy: actor.userId, acknowledgedAt: now }),
        },
        action: 'alert.assign',
        data: { previous: row.assignedTo, takeOver: row.assignedTo !== null },
      };
    });
  }

  /** Hand an alert back: only its holder or an admin; releasing a free alert changes nothing. */
  release(actor: Actor, flagId: string): Promise<AlertState> {
    return this.handle(actor, flagId, (row) => {
      if (row.assignedTo === null) return null;
      if (row.assignedTo !== actor.userId && actor.role !== 'admin') {
        throw errors.forbidden('Only the proctor handling this alert or an admin can release it');
      }
      return {
        set: { assignedTo: null, assignedAt: null },
        action: 'alert.release',
        data: { previous: row.assignedTo },
      };
    });
  }

  /**
   * Load the flag under a row lock (two proctors clicking at once apply one after the other),
   * check the caller may act on its exam, apply `decide`'s change with its audit entry, then
   * publish the new state after the commit.
   */
  private async handle(
    actor: Actor,
    flagId: string,
    decide: (row: FlagRow, now: Date, tx: Tx) => Step | Promise<Step>,
  ): Promise<AlertState> {
    const result = await this.db.transaction(async (tx) => {
      const [found] = await tx
        .select({ flag: flags, examId: examSessions.examId })
        .from(flags)
        .innerJoin(examSessions, eq(examSessions.id, flags.sessionId))
        .where(eq(flags.id, flagId))
        .for('update', { of: flags });
      if (!found) throw errors.notFound('Flag');
      await loadExamFor(tx, actor, found.examId, 'read');
      const now = this.clock.now();
      const step = await decide(found.flag, now, tx);
      let row = found.flag;
      let leadId = flagId;
      if (step) {
        const [updated] = await tx
          .update(flags)
          .set(step.set)
          .where(eq(flags.id, flagId))
          .returning();
        row = updated ?? row;
        // One condition = one alert: the other flags of its group (the lead too, when this
        // one was merged in) are handled with it, so none turns up later as an alert of its own.
        const group = await alertGroupOf(tx, row);
        const related = group.others;
        leadId = group.leadId;
        if (related.length > 0) {
          await tx.update(flags).set(step.set).where(inArray(flags.id, related));
        }
        await appendAudit(tx, {
          actorId: actor.userId,
          action: step.action,
          entityType: 'flag',
          entityId: flagId,
          examId: found.examId,
          data: { sessionId: row.sessionId, ...step.data, ...(related.length > 0 && { related }) },
        });
      }
      const people = await peopleById(tx, [row.acknowledgedBy, row.assignedTo]);
      const state = toAlertState(row, people);
      return {
        state,
        // The dashboard knows the alert by its leading flag: tell it under that id.
        published: { ...state, flagId: leadId },
        examId: found.examId,
        changed: step !== null,
      };
    });
    if (result.changed) {
      await this.live?.({
        topic: 'alert.updated',
        data: result.published,
        examId: result.examId,
        sessionId: result.state.sessionId,
        audience: 'staff',
      });
    }
    return result.state;
  }
}
