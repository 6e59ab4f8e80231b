import { and, asc, desc, eq, gt, isNull, or } from 'drizzle-orm';
import type { HelpRequest } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { helpRequests } from '../../db/schema.js';
import { peopleById } from '../accounts/people.js';
import { iso, isoOrNull } from '../sessions/time.js';

/** A help_requests row. */
export type HandRow = typeof helpRequests.$inferSelect;

/** Most raised hands a dashboard snapshot carries. */
export const MAX_HANDS = 200;

/** Raised hands as the API shows them, people resolved in one query. */
export async function toHelpRequests(db: DbOrTx, rows: readonly HandRow[]): Promise<HelpRequest[]> {
  const people = await peopleById(
    db,
    rows.flatMap((r) => [r.studentId, r.takenBy, r.closedBy]),
  );
  const person = (id: string | null) => (id ? (people.get(id) ?? null) : null);
  return rows.map((r) => ({
    id: r.id,
    sessionId: r.sessionId,
    examId: r.examId,
    student: person(r.studentId) ?? { id: r.studentId, name: 'Former user' },
    message: r.message,
    raisedAt: iso(r.raisedAt),
    takenBy: person(r.takenBy),
    takenAt: isoOrNull(r.takenAt),
    closedAt: isoOrNull(r.closedAt),
    closedBy: person(r.closedBy),
    closeReason: r.closeReason as HelpRequest['closeReason'],
  }));
}

/** One raised hand as the API shows it. */
export async function toHelpRequest(db: DbOrTx, row: HandRow): Promise<HelpRequest> {
  const [hand] = await toHelpRequests(db, [row]);
  if (!hand) throw new Error('help request was not mapped');
  return hand;
}

/** A session's raised hands, oldest first (its record). */
export async function handsOfSession(db: DbOrTx, sessionId: string): Promise<HelpRequest[]> {
  const rows = await db
    .select()
    .from(helpRequests)
    .where(eq(helpRequests.sessionId, sessionId))
    .orderBy(asc(helpRequests.raisedAt), asc(helpRequests.id));
  return toHelpRequests(db, rows);
}

/** The exam's open hands and those closed since `closedSince`, newest first (the dashboard). */
export async function recentHands(
  db: DbOrTx,
  examId: string,
  closedSince: Date,
): Promise<HelpRequest[]> {
  const rows = await db
    .select()
    .from(helpRequests)
    .where(
      and(
        eq(helpRequests.examId, examId),
        or(isNull(helpRequests.closedAt), gt(helpRequests.closedAt, closedSince)),
      ),
    )
    .orderBy(desc(helpRequests.raisedAt), desc(helpRequests.id))
    .limit(MAX_HANDS);
  return toHelpRequests(db, rows);
}
