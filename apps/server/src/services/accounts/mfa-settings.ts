import { eq } from 'drizzle-orm';
import { MfaSettings } from '@invigil/contracts';
import type { Db, DbOrTx } from '../../db/database.js';
import { mfaFactors, settings } from '../../db/schema.js';
import { AppError } from '../../errors.js';
import { appendAudit } from '../audit/audit.service.js';
import type { Actor } from './actor.js';
import { MFA_SETTINGS_KEY } from './mfa-session-columns.js';

const DEFAULT: MfaSettings = { requireForStaff: false };

/** The second-factor policy: off until an admin requires it of staff. */
export async function getMfaSettings(db: DbOrTx): Promise<MfaSettings> {
  const [row] = await db.select().from(settings).where(eq(settings.key, MFA_SETTINGS_KEY));
  const parsed = MfaSettings.safeParse(row?.value);
  return parsed.success ? parsed.data : DEFAULT;
}

/**
 * Replace the second-factor policy (admin), audited. Requiring it needs the admin's own
 * factor first, so the one switching it on is not the first one it shuts out.
 */
export async function setMfaSettings(
  db: Db,
  actor: Actor,
  value: MfaSettings,
  now: Date,
): Promise<MfaSettings> {
  const next = { requireForStaff: value.requireForStaff };
  return db.transaction(async (tx) => {
    if (next.requireForStaff) {
      const [own] = await tx
        .select({ id: mfaFactors.id })
        .from(mfaFactors)
        .where(eq(mfaFactors.userId, actor.userId))
        .limit(1);
      if (!own) {
        throw new AppError(
          409,
          'MFA_FACTOR_REQUIRED',
          'Set up two-step sign-in for your own account before requiring it of staff',
        );
      }
    }
    await tx
      .insert(settings)
      .values({ key: MFA_SETTINGS_KEY, value: next })
      .onConflictDoUpdate({ target: settings.key, set: { value: next, updatedAt: now } });
    await appendAudit(
      tx,
      {
        actorId: actor.userId,
        action: 'settings.mfa.update',
        entityType: 'settings',
        entityId: MFA_SETTINGS_KEY,
        data: next,
      },
      now,
    );
    return next;
  });
}
