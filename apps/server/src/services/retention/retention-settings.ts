import { eq } from 'drizzle-orm';
import { DEFAULT_RETENTION, RetentionRules } from '@invigil/contracts';
import type { Db, DbOrTx } from '../../db/database.js';
import { settings } from '../../db/schema.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';

const RETENTION_KEY = 'retention';

/** The institution's retention defaults (DEFAULT_RETENTION until an admin changes them). */
export async function getRetentionDefaults(db: DbOrTx): Promise<RetentionRules> {
  const [row] = await db.select().from(settings).where(eq(settings.key, RETENTION_KEY));
  const parsed = RetentionRules.safeParse(row?.value);
  return parsed.success ? parsed.data : DEFAULT_RETENTION;
}

/** Replace the institution's retention defaults (admin), audited with before and after. */
export async function setRetentionDefaults(
  db: Db,
  actor: Actor,
  value: RetentionRules,
  now: Date,
): Promise<RetentionRules> {
  await db.transaction(async (tx) => {
    const before = await getRetentionDefaults(tx);
    await tx
      .insert(settings)
      .values({ key: RETENTION_KEY, value, updatedAt: now })
      .onConflictDoUpdate({ target: settings.key, set: { value, updatedAt: now } });
    await appendAudit(tx, {
      actorId: actor.userId,
      action: 'settings.retention.update',
      entityType: 'settings',
      entityId: RETENTION_KEY,
      data: { before, after: value },
    });
  });
  return value;
}
