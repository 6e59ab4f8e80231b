import { and, eq } from 'drizzle-orm';
import type { DbOrTx, Db } from '../../db/database.js';
import { userIdentities, users } from '../../db/schema.js';
import type { OidcConfig } from '../../config/config.js';
import type { Clock } from '../../ports/clock.port.js';
import { appendAudit } from '../audit/audit.service.js';
import type { AuthService, SignedIn } from './auth.service.js';
import { personFromClaims, type ProviderPerson } from './oidc-claims.js';
import { OidcClient, type OidcFlow } from './oidc-client.js';
import { ssoCodeOf, ssoError } from './oidc-errors.js';
import {
  changeRoleFromProvider,
  claimUnverified,
  linkedUser,
  unusablePasswordHash,
  type ExternalSource,
} from './external-accounts.js';
import { findUserByEmail } from './users.service.js';

type UserRow = typeof users.$inferSelect;

/** Where a sign-in comes from. */
interface Meta {
  ip?: string;
  userAgent?: string;
}

/**
 * Single sign-on with the institution's OpenID Connect provider: starts sign-ins, and turns a
 * provider's answer into an Invigil session exactly as a password sign-in opens one. Accounts
 * are linked by the provider's (issuer, subject); see `link` for the rules.
 */
export class OidcService {
  private readonly client: OidcClient;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly auth: AuthService,
    readonly settings: OidcConfig,
  ) {
    this.client = new OidcClient(settings);
  }

  /** This provider, as audit entries name it. */
  private get source(): ExternalSource {
    return { method: 'oidc', issuer: this.settings.issuer };
  }

  /** The provider's URL to send the browser to, and what its return must match. */
  begin(redirectUri: string): Promise<{ url: URL; flow: OidcFlow }> {
    return this.client.begin(redirectUri);
  }

  /**
   * Finish a sign-in: `callbackUrl` is the redirect URI with the query the provider sent,
   * `flow` what `begin` handed out (null when the browser brought none back). Every refusal
   * is audited as auth.sign_in_failed with its reason, and thrown with its SSO_* code.
   */
  async finish(callbackUrl: URL, flow: OidcFlow | null, meta: Meta): Promise<SignedIn> {
    const issuer = this.settings.issuer;
    let person: ProviderPerson | undefined;
    try {
      if (!flow || callbackUrl.searchParams.get('state') !== flow.state) {
        throw ssoError('SSO_STATE_INVALID');
      }
      const claims = await this.client.finish(callbackUrl, flow);
      person = personFromClaims(claims, this.settings);
      const user = await this.link(person, meta);
      return await this.auth.openSession(user.id, meta);
    } catch (error) {
      const reason = ssoCodeOf(error);
      if (reason) {
        await this.db.transaction((tx) =>
          appendAudit(
            tx,
            {
              actorId: null,
              action: 'auth.sign_in_failed',
              entityType: 'user',
              entityId: null,
              data: {
                method: 'oidc',
                issuer,
                reason,
                ...(error instanceof Error &&
                  typeof error.cause === 'string' && { cause: error.cause }),
                ip: meta.ip ?? null,
                ...(person && { subject: person.subject, email: person.email }),
              },
            },
            this.clock.now(),
          ),
        );
      }
      throw error;
    }
  }

  /**
   * The account this person signs in to, in one transaction with its audit entries:
   * - an identity already linked: its account;
   * - else an account with the same e-mail: linked now, unless it is already linked to
   *   another subject of this provider (refused: the e-mail alone never takes an account);
   *   a self-signed-up account whose address was never verified is claimed (claimUnverified);
   * - else a new account with the mapped role (student when none is mapped) and a random
   *   password nobody knows (the person may set one through "forgot password").
   * A disabled account is refused. A mapped role claim sets the role at every sign-in (exam
   * staff assignments that no longer fit it end, as with an admin's change); no mapped value
   * leaves the role as it is.
   */
  private async link(person: ProviderPerson, meta: Meta): Promise<UserRow> {
    const issuer = this.settings.issuer;
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      let user = await linkedUser(tx, issuer, person.subject);
      if (user) {
        await tx
          .update(userIdentities)
          .set({ lastSignInAt: now })
          .where(
            and(eq(userIdentities.issuer, issuer), eq(userIdentities.subject, person.subject)),
          );
      } else {
        user = await findUserByEmail(tx, person.email);
        if (user) {
          const [other] = await tx
            .select({ subject: userIdentities.subject })
            .from(userIdentities)
            .where(and(eq(userIdentities.userId, user.id), eq(userIdentities.issuer, issuer)));
          if (other) throw ssoError('SSO_ACCOUNT_CONFLICT');
          if (user.signupPending === 'email')
            user = await claimUnverified(tx, user, now, this.source);
        } else {
          user = await this.createUser(tx, person, now);
        }
        await tx
          .insert(userIdentities)
          .values({ issuer, subject: person.subject, userId: user.id, email: person.email });
        await appendAudit(
          tx,
          {
            actorId: user.id,
            action: 'user.identity.link',
            entityType: 'user',
            entityId: user.id,
            data: { issuer, subject: person.subject, email: person.email },
          },
          now,
        );
      }
      if (user.disabled) throw ssoError('ACCOUNT_DISABLED');
      if (person.role && person.role !== user.role) {
        user = await changeRoleFromProvider(tx, user, person.role, now, this.source);
      }
      await tx.update(users).set({ lastLoginAt: now }).where(eq(users.id, user.id));
      await appendAudit(
        tx,
        {
          actorId: user.id,
          action: 'auth.sign_in',
          entityType: 'user',
          entityId: user.id,
          data: { method: 'oidc', issuer, ip: meta.ip ?? null },
        },
        now,
      );
      return user;
    });
  }

  private async createUser(tx: DbOrTx, person: ProviderPerson, now: Date): Promise<UserRow> {
    const role = person.role ?? 'student';
    const passwordHash = await unusablePasswordHash();
    const [row] = await tx
      .insert(users)
      .values({ email: person.email, name: person.name, role, passwordHash })
      .onConflictDoNothing({ target: users.email })
      .returning();
    // Another sign-in with this e-mail created it a moment ago: try again, it links then.
    if (!row) throw ssoError('SSO_ACCOUNT_CONFLICT');
    await appendAudit(
      tx,
      {
        actorId: row.id,
        action: 'user.create',
        entityType: 'user',
        entityId: row.id,
        data: { email: row.email, role, method: 'oidc', issuer: this.settings.issuer },
      },
      now,
    );
    return row;
  }
}
