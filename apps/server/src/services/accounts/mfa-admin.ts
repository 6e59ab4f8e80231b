import { eq } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { mfaFactors, mfaRecoveryCodes, users } from '../../db/schema.js';
import { errors } from '../../errors.js';
import { appendAudit } from '../audit/audit.service.js';
import type { Actor } from './actor.js';

/**
 * An admin removes every second factor (and recovery code) of another user who lost them;
 * the user signs in with the password alone until setting one up again (at once, if their
 * role must have one). Returns how many factors went. Audited `mfa.reset`.
 */
export async function resetSecondFactors(
  db: Db,
  admin: Actor,
  userId: string,
  now: Date,
): Promise<number> {
  if (admin.userId === userId) {
    throw errors.forbidden('Manage your own second factors on your Account page');
  }
  return db.transaction(async (tx) => {
    const [user] = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId));
    if (!user) throw errors.notFound('User');
    const removed = await tx
      .delete(mfaFactors)
      .where(eq(mfaFactors.userId, userId))
      .returning({ id: mfaFactors.id });
    await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, userId));
    await appendAudit(
      tx,
      {
        actorId: admin.userId,
        action: 'mfa.reset',
        entityType: 'user',
        entityId: userId,
        data: { removed: removed.length },
      },
      now,
    );
    return removed.length;
  });
}
