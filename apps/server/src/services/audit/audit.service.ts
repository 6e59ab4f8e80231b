import { createHash } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { AUDIT_CHAIN_LOCK } from '../../db/advisory-locks.js';
import type { DbOrTx } from '../../db/database.js';
import { auditLog, users } from '../../db/schema.js';
import { iso } from '../sessions/time.js';

/** What happened, by whom, to what. */
export interface AuditEntry {
  actorId: string | null;
  action: string;
  entityType: string;
  entityId?: string | null;
  examId?: string | null;
  data?: Record<string, unknown>;
}

const GENESIS = '0'.repeat(64);

/** JSON with object keys sorted at every level: jsonb does not keep key order, the hash must not care. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

function chainHash(prevHash: string, at: Date, e: AuditEntry): string {
  const body = canonicalJson([
    prevHash,
    at.toISOString(),
    e.actorId,
    e.action,
    e.entityType,
    e.entityId ?? null,
    e.examId ?? null,
    e.data ?? {},
  ]);
  return createHash('sha256').update(body).digest('hex');
}

/**
 * Append to the audit log inside the caller's transaction, so the record and the change
 * commit together. An advisory lock serialises appends so the hash chain never forks.
 */
export async function appendAudit(tx: DbOrTx, entry: AuditEntry, at = new Date()): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
  const [last] = await tx
    .select({ hash: auditLog.hash })
    .from(auditLog)
    .orderBy(desc(auditLog.id))
    .limit(1);
  const prevHash = last?.hash ?? GENESIS;
  // Millisecond precision keeps the hash reproducible from the stored timestamp.
  const stamp = new Date(Math.floor(at.getTime()));
  await tx.insert(auditLog).values({
    at: stamp,
    actorId: entry.actorId,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId ?? null,
    examId: entry.examId ?? null,
    data: entry.data ?? {},
    prevHash,
    hash: chainHash(prevHash, stamp, entry),
  });
}

/** Recent audit entries, newest first. */
export async function listAudit(db: DbOrTx, opts: { limit: number; examId?: string }) {
  const rows = await db
    .select({ row: auditLog, actorEmail: users.email })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorId))
    .where(opts.examId ? and(eq(auditLog.examId, opts.examId)) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(opts.limit);
  return rows.map(({ row, actorEmail }) => ({
    id: row.id,
    at: iso(row.at),
    actorId: row.actorId,
    actorEmail,
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    examId: row.examId,
    data: row.data as Record<string, unknown>,
  }));
}

/** Recompute the chain from the start; returns the id of the first broken entry, or null if intact. */
export async function verifyAuditChain(db: DbOrTx): Promise<number | null> {
  const rows = await db.select().from(auditLog).orderBy(auditLog.id);
  let prev = GENESIS;
  for (const r of rows) {
    const expected = chainHash(prev, r.at, {
      actorId: r.actorId,
      action: r.action,
      entityType: r.entityType,
      entityId: r.entityId,
      examId: r.examId,
      data: r.data as Record<string, unknown>,
    });
    if (r.prevHash !== prev || r.hash !== expected) return r.id;
    prev = r.hash;
  }
  return null;
}

/** The audit log as the admin page reads it. */
export class AuditLog {
  constructor(private readonly db: DbOrTx) {}

  /** Recent entries, newest first (see listAudit). */
  list(opts: Parameters<typeof listAudit>[1]) {
    return listAudit(this.db, opts);
  }
}
