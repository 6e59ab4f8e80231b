import type { Intervention, InterventionKind } from '@invigil/contracts';
import type { DbOrTx, Tx } from '../../db/database.js';
import { interventions } from '../../db/schema.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import type { ActingAs } from '../exams/exam-access.js';
import { peopleById } from '../accounts/people.js';
import { iso, isoOrNull } from '../sessions/time.js';

/** An interventions row. */
export type InterventionRow = typeof interventions.$inferSelect;

/** API view of intervention rows, with the names of who sent and who cancelled each. */
export async function toInterventions(
  db: DbOrTx,
  rows: readonly InterventionRow[],
): Promise<Intervention[]> {
  const people = await peopleById(
    db,
    rows.flatMap((r) => [r.actorId, r.cancelledBy]),
  );
  const person = (id: string | null) => (id ? (people.get(id) ?? null) : null);
  return rows.map((row) => ({
    id: row.id,
    sessionId: row.sessionId,
    examId: row.examId,
    kind: row.kind as InterventionKind,
    message: row.message,
    by: person(row.actorId),
    createdAt: iso(row.createdAt),
    acknowledgedAt: isoOrNull(row.acknowledgedAt),
    completedAt: isoOrNull(row.completedAt),
    cancelledAt: isoOrNull(row.cancelledAt),
    cancelledBy: person(row.cancelledBy),
    minutes: row.minutes,
  }));
}

/** API view of one intervention row. */
export async function toIntervention(db: DbOrTx, row: InterventionRow): Promise<Intervention> {
  const [view] = await toInterventions(db, [row]);
  if (!view) throw new Error('intervention view missing');
  return view;
}

/** Audit data saying an admin acted without being assigned to the exam (nothing for proctors). */
export const actingAsData = (actingAs: ActingAs) =>
  actingAs === 'admin' ? { actingAs: 'admin' as const } : {};

/**
 * Write an intervention row (a proctor's intervention or a staff tool's record) and its
 * `intervention.<kind>` audit entry, in the caller's transaction.
 */
export async function recordIntervention(
  tx: Tx,
  what: {
    actor: Actor;
    actingAs: ActingAs;
    session: { id: string; examId: string };
    kind: InterventionKind;
    message: string | null;
    minutes?: number;
    at: Date;
    /** More for the audit entry (e.g. the new deadline). */
    audit?: Record<string, unknown>;
  },
): Promise<InterventionRow> {
  const { actor, session, kind, message } = what;
  const [row] = await tx
    .insert(interventions)
    .values({
      sessionId: session.id,
      examId: session.examId,
      kind,
      message,
      minutes: what.minutes ?? null,
      actorId: actor.userId,
      createdAt: what.at,
    })
    .returning();
  if (!row) throw new Error('intervention insert returned nothing');
  await appendAudit(tx, {
    actorId: actor.userId,
    action: `intervention.${kind}`,
    entityType: 'intervention',
    entityId: row.id,
    examId: session.examId,
    data: {
      sessionId: session.id,
      ...(message !== null && { message }),
      ...(what.minutes !== undefined && { minutes: what.minutes }),
      ...actingAsData(what.actingAs),
      ...what.audit,
    },
  });
  return row;
}
