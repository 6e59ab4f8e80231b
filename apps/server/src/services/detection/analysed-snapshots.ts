import { and, eq, sql } from 'drizzle-orm';
import { SERVER_DETECT_EVENTS } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { sessionEvents } from '../../db/schema.js';

/**
 * Whether the server has already analysed one of the session's webcam snapshots `seqs` (a
 * `detect.analysis` server event names it): then a browser report on it may contradict the
 * server's reading, and the flags are judged again (see rejudgingNeeds).
 */
export async function anyAnalysed(
  db: DbOrTx,
  sessionId: string,
  seqs: readonly number[],
): Promise<boolean> {
  if (seqs.length === 0) return false;
  const rows = await db
    .select({ seq: sessionEvents.seq })
    .from(sessionEvents)
    .where(
      and(
        eq(sessionEvents.sessionId, sessionId),
        eq(sessionEvents.source, 'server'),
        eq(sessionEvents.type, SERVER_DETECT_EVENTS.analysis),
        sql`(${sessionEvents.data} ->> 'snapshotSeq')::int in (${sql.join(
          seqs.map((s) => sql`${s}`),
          sql`, `,
        )})`,
      ),
    )
    .limit(1);
  return rows.length > 0;
}
