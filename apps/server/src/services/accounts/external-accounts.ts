import { randomBytes } from 'node:crypto';
import { and, eq, isNull, ne } from 'drizzle-orm';
import type { DbOrTx } from '../../db/database.js';
import { authSessions, examStaff, userIdentities, users } from '../../db/schema.js';
import { appendAudit } from '../audit/audit.service.js';
import { hashPassword } from './password.js';

type UserRow = typeof users.$inferSelect;

/**
 * Who vouches for an account that signs in from outside: an OpenID Connect provider (single
 * sign-on) or a learning platform (LTI), by its issuer. Named in the audit entries.
 */
export interface ExternalSource {
  method: 'oidc' | 'lti';
  issuer: string;
}

/** The hash of a random password nobody is told: the account signs in by its provider. */
export const unusablePasswordHash = (): Promise<string> =>
  hashPassword(randomBytes(32).toString('base64url'));

/** The account linked to this provider identity (issuer, subject), if any. */
export async function linkedUser(
  tx: DbOrTx,
  issuer: string,
  subject: string,
): Promise<UserRow | undefined> {
  const [row] = await tx
    .select({ user: users })
    .from(userIdentities)
    .innerJoin(users, eq(users.id, userIdentities.userId))
    .where(and(eq(userIdentities.issuer, issuer), eq(userIdentities.subject, subject)));
  return row?.user;
}

/**
 * A self-signed-up account whose address was never proven, now vouched for by the provider:
 * it becomes the provider's person's alone. Whoever signed it up may not have owned the
 * address (an account made in advance to be taken over), so its password is replaced by one
 * nobody knows and its sessions end.
 */
export async function claimUnverified(
  tx: DbOrTx,
  user: UserRow,
  now: Date,
  source: ExternalSource,
): Promise<UserRow> {
  const [claimed] = await tx
    .update(users)
    .set({ signupPending: null, passwordHash: await unusablePasswordHash(), updatedAt: now })
    .where(eq(users.id, user.id))
    .returning();
  await tx
    .update(authSessions)
    .set({ revokedAt: now })
    .where(and(eq(authSessions.userId, user.id), isNull(authSessions.revokedAt)));
  await appendAudit(
    tx,
    {
      actorId: null,
      action: 'user.update',
      entityType: 'user',
      entityId: user.id,
      data: { emailVerified: true, passwordReset: true, ...source },
    },
    now,
  );
  return claimed ?? user;
}

/**
 * The role the provider says the account has; exam staff assignments that no longer fit it
 * end, as with an admin's change. Audited as `user.update` naming the provider.
 */
export async function changeRoleFromProvider(
  tx: DbOrTx,
  user: UserRow,
  role: UserRow['role'],
  now: Date,
  source: ExternalSource,
): Promise<UserRow> {
  const [updated] = await tx
    .update(users)
    .set({ role, updatedAt: now })
    .where(eq(users.id, user.id))
    .returning();
  const staffRemovedFrom = (
    await tx
      .delete(examStaff)
      .where(and(eq(examStaff.userId, user.id), ne(examStaff.role, role)))
      .returning({ examId: examStaff.examId })
  ).map((r) => r.examId);
  await appendAudit(
    tx,
    {
      actorId: null,
      action: 'user.update',
      entityType: 'user',
      entityId: user.id,
      data: {
        role,
        previousRole: user.role,
        ...source,
        ...(staffRemovedFrom.length > 0 && { staffRemovedFrom }),
      },
    },
    now,
  );
  return updated ?? user;
}
