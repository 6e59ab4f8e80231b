import { and, desc, eq, gte, ilike, like, lt, type SQL } from 'drizzle-orm';
import type { AuditEntry, AuditFilters } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { auditLog, users } from '../../db/schema.js';
import { iso } from '../sessions/time.js';

/** The filters of a query plus `before`, the keyset of paging (only entries older than it). */
export type AuditConditions = AuditFilters & { before?: number | undefined };

// Any UUID spelling PostgreSQL accepts as a uuid value; anything else cannot be a user id.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `text` with LIKE's wildcards and escape character escaped, so it matches only itself. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Whether an action filter names every action under a prefix (`auth.`) rather than one. */
export function isActionPrefix(action: string): boolean {
  return action.endsWith('.');
}

/**
 * The WHERE clause of an audit query over audit_log left-joined to users (undefined when
 * nothing is filtered). Empty text filters are no filters. User input only ever travels as
 * bound parameters.
 */
export function auditConditions(f: AuditConditions): SQL | undefined {
  const where: SQL[] = [];
  if (f.actor) {
    where.push(
      UUID.test(f.actor)
        ? eq(auditLog.actorId, f.actor.toLowerCase())
        : ilike(users.email, `%${escapeLike(f.actor)}%`),
    );
  }
  if (f.action) {
    where.push(
      isActionPrefix(f.action)
        ? like(auditLog.action, `${escapeLike(f.action)}%`)
        : eq(auditLog.action, f.action),
    );
  }
  if (f.entityType) where.push(eq(auditLog.entityType, f.entityType));
  if (f.entityId) where.push(eq(auditLog.entityId, f.entityId));
  if (f.examId) where.push(eq(auditLog.examId, f.examId));
  if (f.from) where.push(gte(auditLog.at, new Date(f.from)));
  if (f.to) where.push(lt(auditLog.at, new Date(f.to)));
  if (f.before !== undefined) where.push(lt(auditLog.id, f.before));
  return where.length ? and(...where) : undefined;
}

/** Up to `limit` entries matching `where`, newest (highest id) first, as the API returns them. */
export async function selectAudit(
  db: DbOrTx,
  where: SQL | undefined,
  limit: number,
): Promise<AuditEntry[]> {
  const rows = await db
    .select({
      id: auditLog.id,
      at: auditLog.at,
      actorId: auditLog.actorId,
      actorEmail: users.email,
      action: auditLog.action,
      entityType: auditLog.entityType,
      entityId: auditLog.entityId,
      examId: auditLog.examId,
      data: auditLog.data,
    })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorId))
    .where(where)
    .orderBy(desc(auditLog.id))
    .limit(limit);
  return rows.map((r) => ({ ...r, at: iso(r.at), data: r.data as Record<string, unknown> }));
}
