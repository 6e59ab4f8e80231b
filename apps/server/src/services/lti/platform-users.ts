import { and, eq } from 'drizzle-orm';
import type { LtiAdminRole, LtiInstructorRole, Role } from '@invigil/contracts';
import type { DbOrTx } from '../../db/database.js';
import { userIdentities, users } from '../../db/schema.js';
import type { ltiPlatforms } from '../../db/schema-lti.js';
import { appendAudit } from '../audit/audit.service.js';
import {
  changeRoleFromProvider,
  claimUnverified,
  linkedUser,
  unusablePasswordHash,
} from '../accounts/external-accounts.js';
import { findUserByEmail } from '../accounts/users.service.js';
import { higherRole, mapRoles, placeholderEmail } from './lti-claims.js';
import { ltiError } from './lti-errors.js';

type UserRow = typeof users.$inferSelect;
type PlatformRow = typeof ltiPlatforms.$inferSelect;

/** A person as a platform names them: in a launch's id_token or an NRPS membership. */
export interface PlatformMember {
  /** The platform's stable subject (`sub` / NRPS `user_id`). */
  sub: string;
  name?: string | undefined;
  email?: string | undefined;
  /** LTI role URIs (full, or the short context role names such as `Learner`). */
  roles: readonly string[];
}

/**
 * The Invigil role a member's LTI roles map to on this platform (the highest wins), null when
 * none maps: lti-claims.ts's mapping, with the platform's settings.
 */
export const mapLtiRoles = (platform: PlatformRow, roles: readonly string[]): Role | null =>
  mapRoles(roles, {
    instructorRole: platform.instructorRole as LtiInstructorRole,
    adminRole: platform.adminRole as LtiAdminRole,
  });

/**
 * The Invigil account of a platform's member, found or made in `tx` with its audit entries:
 * - the account linked to (platform issuer, sub) in user_identities;
 * - else the account with the member's e-mail, linked now, unless it is an admin account or
 *   already linked to another subject of this issuer (LTI_ACCOUNT_CONFLICT); a self-signed-up
 *   account whose address was never verified is claimed (its password and sessions end);
 * - else a new account (name and e-mail claims, a placeholder address when there is none)
 *   with a password nobody knows.
 * The mapped role (mapLtiRoles) upgrades the account's role, never downgrades it. Refused:
 * no role maps (LTI_ROLE_NOT_ALLOWED), a disabled account (LTI_ACCOUNT_DISABLED). `actorId`
 * is who the audit entries name (the member at a launch; the instructor syncing a roster).
 */
export async function platformUser(
  tx: DbOrTx,
  platform: PlatformRow,
  member: PlatformMember,
  opts: { now: Date; actorId?: string | null },
): Promise<UserRow> {
  const { now } = opts;
  const issuer = platform.issuer;
  const role = mapLtiRoles(platform, member.roles);
  if (!role) throw ltiError('LTI_ROLE_NOT_ALLOWED');
  const email = member.email?.trim().toLowerCase() || undefined;

  let user = await linkedUser(tx, issuer, member.sub);
  if (!user) {
    user = email ? await findUserByEmail(tx, email) : undefined;
    if (user) {
      if (user.role === 'admin') throw ltiError('LTI_ACCOUNT_CONFLICT');
      const [other] = await tx
        .select({ subject: userIdentities.subject })
        .from(userIdentities)
        .where(and(eq(userIdentities.userId, user.id), eq(userIdentities.issuer, issuer)));
      if (other) throw ltiError('LTI_ACCOUNT_CONFLICT');
      if (user.signupPending === 'email')
        user = await claimUnverified(tx, user, now, { method: 'lti', issuer });
    } else {
      user = await createUser(tx, platform, member, role, opts);
    }
    await tx.insert(userIdentities).values({
      issuer,
      subject: member.sub,
      userId: user.id,
      email: email ?? user.email,
    });
    await appendAudit(
      tx,
      {
        actorId: opts.actorId === undefined ? user.id : opts.actorId,
        action: 'user.identity.link',
        entityType: 'user',
        entityId: user.id,
        data: { issuer, subject: member.sub, email: email ?? null, method: 'lti' },
      },
      now,
    );
  }
  if (user.disabled) throw ltiError('LTI_ACCOUNT_DISABLED');
  const raised = higherRole(user.role as Role, role);
  if (raised !== user.role) {
    user = await changeRoleFromProvider(tx, user, raised, now, { method: 'lti', issuer });
  }
  return user;
}

async function createUser(
  tx: DbOrTx,
  platform: PlatformRow,
  member: PlatformMember,
  role: Role,
  opts: { now: Date; actorId?: string | null },
): Promise<UserRow> {
  const email = member.email?.trim().toLowerCase() || placeholderEmail(platform.issuer, member.sub);
  const name = member.name?.trim() || email.split('@')[0] || 'LTI user';
  const [row] = await tx
    .insert(users)
    .values({ email, name, role, passwordHash: await unusablePasswordHash() })
    .onConflictDoNothing({ target: users.email })
    .returning();
  // Another launch with this e-mail created it a moment ago: trying again links it.
  if (!row) throw ltiError('LTI_ACCOUNT_CONFLICT');
  await appendAudit(
    tx,
    {
      actorId: opts.actorId === undefined ? row.id : opts.actorId,
      action: 'user.create',
      entityType: 'user',
      entityId: row.id,
      data: { email: row.email, role, method: 'lti', issuer: platform.issuer },
    },
    opts.now,
  );
  return row;
}
