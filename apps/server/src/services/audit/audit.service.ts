import {
  AUDIT_EXPORT_MAX_ROWS,
  type AuditEntry as AuditEntryView,
  type AuditFilters,
  type AuditPage,
  type ListAuditQuery,
} from '@invigil/contracts';
import type { Db, DbOrTx } from '../../db/database.js';
import { systemClock, type Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from './audit-chain.js';
import { auditCsvChunks, planExport } from './audit-export.js';
import { auditConditions, selectAudit } from './audit-query.js';

// Writing and checking the chain live in audit-chain.ts; every service imports them from here.
export { appendAudit, canonicalJson, verifyAuditChain, type AuditEntry } from './audit-chain.js';

/** Entries matching the query's filters (and `before`), newest first, at most `limit`. */
export async function listAudit(db: DbOrTx, q: ListAuditQuery): Promise<AuditEntryView[]> {
  return selectAudit(db, auditConditions(q), q.limit);
}

/** One page of matching entries, newest first, and the `before` of the next (older) page. */
export async function auditPage(db: DbOrTx, q: ListAuditQuery): Promise<AuditPage> {
  // One row more than asked tells whether an older page exists without another query.
  const rows = await selectAudit(db, auditConditions(q), q.limit + 1);
  const entries = rows.slice(0, q.limit);
  const last = entries.at(-1);
  return { entries, nextBefore: rows.length > q.limit && last ? last.id : null };
}

/** A CSV export, ready to stream: what it holds and its text in chunks. */
export interface AuditExport {
  filename: string;
  rows: number;
  truncated: boolean;
  chunks: AsyncGenerator<string>;
}

/** The filters given, without the empty ones, as the `audit.export` entry records them. */
function givenFilters(filters: AuditFilters): Record<string, string> {
  return Object.fromEntries(
    Object.entries(filters).filter(
      (e): e is [string, string] => typeof e[1] === 'string' && !!e[1],
    ),
  );
}

/**
 * Export every entry matching `filters` (newest first, up to `cap` rows) as CSV. The export
 * is itself audited as `audit.export` with the filters and the row count, before the first
 * row goes out: an export that fails half-way was still attempted.
 */
export async function exportAudit(
  db: DbOrTx,
  actor: Actor,
  filters: AuditFilters,
  now: Date,
  cap = AUDIT_EXPORT_MAX_ROWS,
): Promise<AuditExport> {
  const where = auditConditions(filters);
  const plan = await planExport(db, where, cap);
  await db.transaction((tx) =>
    appendAudit(
      tx,
      {
        actorId: actor.userId,
        action: 'audit.export',
        entityType: 'audit_log',
        examId: filters.examId ?? null,
        data: { filters: givenFilters(filters), rows: plan.rows, truncated: plan.truncated },
      },
      now,
    ),
  );
  return {
    filename: `invigil-audit-${now.toISOString().slice(0, 10)}.csv`,
    rows: plan.rows,
    truncated: plan.truncated,
    chunks: auditCsvChunks(db, where, plan),
  };
}

/** The audit log as the admin pages read it. */
export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Matching entries, newest first (see listAudit). */
  list(q: ListAuditQuery) {
    return listAudit(this.db, q);
  }

  /** One page of matching entries (see auditPage). */
  page(q: ListAuditQuery) {
    return auditPage(this.db, q);
  }

  /** A CSV export of every matching entry, audited (see exportAudit). */
  exportCsv(actor: Actor, filters: AuditFilters) {
    return exportAudit(this.db, actor, filters, this.clock.now());
  }
}
