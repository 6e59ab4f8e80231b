import { and, count, eq, lt, max, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/database.js';
import { auditLog, users } from '../../db/schema.js';
import { auditCsvHeader, auditCsvLine } from './audit-csv.js';
import { selectAudit } from './audit-query.js';

/** How many rows each query of an export reads: memory stays flat however large the log. */
export const EXPORT_PAGE_ROWS = 1000;

/** What an export holds, fixed before its first row is sent. */
export interface ExportPlan {
  /** The newest matching entry when the export began (null: nothing matches). */
  newestId: number | null;
  /** Rows the export sends: every match up to `cap`. */
  rows: number;
  /** Whether more entries matched than `cap` (the oldest are left out). */
  truncated: boolean;
}

/**
 * Counts the matches up to the newest one now. Entries appended while the export streams
 * (its own `audit.export` entry among them) have higher ids and stay out, so the row count
 * audited is the row count sent: appends are serialised, ids never commit out of order.
 */
export async function planExport(
  db: DbOrTx,
  where: SQL | undefined,
  cap: number,
): Promise<ExportPlan> {
  const [found] = await db
    .select({ newestId: max(auditLog.id), n: count() })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorId))
    .where(where);
  const matching = found?.n ?? 0;
  return {
    newestId: found?.newestId ?? null,
    rows: Math.min(matching, cap),
    truncated: matching > cap,
  };
}

/**
 * The CSV of a planned export: the header, then the rows newest first, one chunk per page
 * read by keyset (id < the last id sent), so no page is read twice however long it takes.
 */
export async function* auditCsvChunks(
  db: DbOrTx,
  where: SQL | undefined,
  plan: ExportPlan,
  pageRows = EXPORT_PAGE_ROWS,
): AsyncGenerator<string> {
  yield auditCsvHeader();
  if (plan.newestId === null) return;
  let before = plan.newestId + 1;
  let left = plan.rows;
  while (left > 0) {
    const page = await selectAudit(
      db,
      and(where, lt(auditLog.id, before)),
      Math.min(pageRows, left),
    );
    const last = page.at(-1);
    if (!last) return;
    yield page.map(auditCsvLine).join('');
    left -= page.length;
    before = last.id;
  }
}
