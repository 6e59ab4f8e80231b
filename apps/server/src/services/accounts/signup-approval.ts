import { and, eq, isNotNull, isNull } from 'drizzle-orm';
import type { User } from '@invigil/contracts';
import type { Db, DbOrTx, Tx } from '../../db/database.js';
import { authSessions, emailVerifications, users } from '../../db/schema.js';
import { AppError, errors } from '../../errors.js';
import { appendAudit } from '../audit/audit.service.js';
import type { Actor } from './actor.js';
import { toUser } from './users.service.js';

/**
 * Refuse (403) a student whose self-signed-up account may not take exams yet: registering
 * for an exam and starting an attempt call this. Every other account passes.
 */
export async function assertMayTakeExams(db: DbOrTx, userId: string): Promise<void> {
  const [row] = await db
    .select({ pending: users.signupPending })
    .from(users)
    .where(eq(users.id, userId));
  if (row?.pending === 'email') {
    throw new AppError(
      403,
      'EMAIL_NOT_VERIFIED',
      'Confirm your e-mail address first: open the link we sent you (your Account page can send a new one)',
    );
  }
  if (row?.pending === 'approval') {
    throw new AppError(
      403,
      'ACCOUNT_NOT_APPROVED',
      'Your account waits for an administrator’s approval; you can register for exams once it is approved',
    );
  }
}

const notPending = () =>
  errors.conflict('VERIFICATION_NOT_PENDING', 'This account is not waiting for approval');

/**
 * Admin: let a self-signed-up account take exams, whether it waits for approval or for its
 * e-mail verification (say the e-mail never arrived). Its unused links stop working.
 */
export async function approveSignup(
  db: Db,
  actor: Actor,
  userId: string,
  now: Date,
): Promise<User> {
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select({ pending: users.signupPending })
      .from(users)
      .where(eq(users.id, userId))
      .for('update');
    if (!before) throw errors.notFound('User');
    const [row] = await tx
      .update(users)
      .set({ signupPending: null, updatedAt: now })
      .where(and(eq(users.id, userId), isNotNull(users.signupPending), eq(users.disabled, false)))
      .returning();
    if (!row) throw notPending();
    await revokeVerificationLinks(tx, userId, now);
    await appendAudit(tx, {
      actorId: actor.userId,
      action: 'user.approve',
      entityType: 'user',
      entityId: userId,
      data: { email: row.email, was: before.pending },
    });
    return toUser(row);
  });
}

/**
 * Admin: refuse a self-signed-up account that waits. The account is disabled, not deleted:
 * its sessions end at once, the address stays taken (the same person cannot simply sign up
 * again), and the audit trail keeps who it was. Enabling it later puts it back in the queue.
 */
export async function rejectSignup(db: Db, actor: Actor, userId: string, now: Date): Promise<User> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(users)
      .set({ disabled: true, updatedAt: now })
      .where(and(eq(users.id, userId), isNotNull(users.signupPending), eq(users.disabled, false)))
      .returning();
    if (!row) {
      const [exists] = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId));
      throw exists ? notPending() : errors.notFound('User');
    }
    const revoked = await tx
      .update(authSessions)
      .set({ revokedAt: now })
      .where(and(eq(authSessions.userId, userId), isNull(authSessions.revokedAt)))
      .returning({ id: authSessions.id });
    await revokeVerificationLinks(tx, userId, now);
    await appendAudit(tx, {
      actorId: actor.userId,
      action: 'user.reject',
      entityType: 'user',
      entityId: userId,
      data: { email: row.email, was: row.signupPending, sessionsRevoked: revoked.length },
    });
    return toUser(row);
  });
}

/** Revoke the account's unused verification links (a newer one, or the account is settled). */
export async function revokeVerificationLinks(tx: Tx, userId: string, now: Date): Promise<void> {
  await tx
    .update(emailVerifications)
    .set({ revokedAt: now })
    .where(
      and(
        eq(emailVerifications.userId, userId),
        isNull(emailVerifications.usedAt),
        isNull(emailVerifications.revokedAt),
      ),
    );
}
