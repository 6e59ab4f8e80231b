import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import {
  scopesAllowed,
  type AuthSession,
  type Role,
  type SecondFactorState,
  type TokenScope,
} from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { preparedStatement } from '../../db/prepared-statement.js';
import { apiTokens, authSessions, users } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from './actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { hashPassword, verifyPassword } from './password.js';
import { assertPasswordPolicy, findUserByEmail } from './users.service.js';
import { tokenExpiry } from './token-expiry.js';
import { KnownDevices, SignInThrottle, type ThrottlePolicy } from './sign-in-throttle.js';
import { secondFactorGate } from './mfa-gate.js';
import { sessionMfaColumns } from './mfa-session-columns.js';

/** SHA-256 hex of a secret: what we store for session cookies and API tokens. */
export const sha256 = (secret: string): string => createHash('sha256').update(secret).digest('hex');

const newSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** Constant-time string comparison for CSRF tokens. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Settings of the account protection rules. */
export interface AuthPolicy {
  sessionTtlHours: number;
  /** API_TOKEN_MAX_DAYS: how long tokens made before tokens expired still work. */
  apiTokenMaxDays: number;
  /** How failed sign-ins slow further attempts (sign-in-throttle.ts). */
  throttle: ThrottlePolicy;
}

/** A signed-in session as the HTTP layer needs it. */
export interface SignedIn {
  /** The secret for the cookie; only its hash is stored. */
  secret: string;
  csrfToken: string;
  expiresAt: Date;
  userId: string;
  /** A new known-browser token for its cookie, when this browser was not known yet. */
  deviceToken?: string;
}

/** Where a sign-in comes from. */
export interface SignInMeta {
  ip?: string;
  userAgent?: string;
  /** The known-browser cookie's token, if the browser sent one. */
  deviceToken?: string;
}

/** What an authenticated request carries. */
export interface ResolvedAuth {
  actor: Actor;
  sessionId?: string;
  csrfToken?: string;
  /** A cookie session whose password an admin set: only a few routes answer it. */
  mustChangePassword?: boolean;
  /** What a cookie session owes before other routes answer it (mfa-gate.ts). */
  secondFactor?: SecondFactorState;
  /** Step-up routes must see the second factor again first (mfa-gate.ts). */
  stepUpNeeded?: boolean;
}

// Compared against when the e-mail is unknown, so a miss costs as long as a hit.
let dummyHash: Promise<string> | undefined;
/** A user id no account has: what an unknown e-mail's browser is looked up under. */
const NO_ACCOUNT = '00000000-0000-0000-0000-000000000000';

/** Accounts, sign-in sessions and API tokens. */
export class AuthService {
  private readonly sessionByHash;
  /** Failed sign-ins, and what they slow (public: a new password clears an account's). */
  readonly throttle: SignInThrottle;
  private readonly devices: KnownDevices;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly policy: AuthPolicy,
  ) {
    this.sessionByHash = sessionByHashStatement(db);
    this.throttle = new SignInThrottle(db, policy.throttle);
    this.devices = new KnownDevices(db);
  }

  /**
   * Check credentials; on success open a session. Failed attempts slow further ones from the
   * same address, and at the same account from browsers it never signed in from
   * (SignInThrottle), never locking the account. Unknown and existing accounts take the same
   * path: the same reads, a password hash compared, the same writes and answers.
   */
  async login(email: string, password: string, meta: SignInMeta): Promise<SignedIn> {
    const now = this.clock.now();
    const ip = meta.ip ?? null;
    const user = await findUserByEmail(this.db, email);
    // Looked up for an unknown account too (under no account), so it takes as long.
    const knownBrowser = await this.devices.known(user?.id ?? NO_ACCOUNT, meta.deviceToken, now);
    const waiting = await this.throttle.check(email, ip, knownBrowser, now);
    if (waiting) {
      await this.auditSignIn('auth.sign_in_failed', user?.id ?? null, now, {
        reason: 'throttled',
        scope: waiting.scope,
        ip,
      });
      throw errors.signInThrottled(waiting.until, now);
    }
    dummyHash ??= hashPassword('not-a-real-password-0000');
    const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash), password);
    if (!user || !ok) {
      await this.db.transaction(async (tx) => {
        const { started } = await this.throttle.failed(tx, email, ip, now);
        await appendAudit(
          tx,
          {
            actorId: null,
            action: 'auth.sign_in_failed',
            entityType: 'user',
            entityId: user?.id ?? null,
            // For an unknown account the address tried is kept (lower-cased, clipped): it is
            // what an investigation needs.
            data: user
              ? { reason: 'wrong_password', ip }
              : { reason: 'unknown_account', email: email.trim().toLowerCase().slice(0, 320), ip },
          },
          now,
        );
        if (started) {
          await appendAudit(
            tx,
            {
              actorId: null,
              action: 'auth.throttle',
              entityType: 'user',
              entityId: user?.id ?? null,
              data: { scope: started.scope, until: started.until.toISOString(), ip },
            },
            now,
          );
        }
      });
      throw errors.invalidCredentials();
    }
    if (user.disabled) {
      await this.auditSignIn('auth.sign_in_failed', user.id, now, { reason: 'disabled', ip });
      throw errors.accountDisabled();
    }
    await this.throttle.succeeded(email, ip);
    await this.db.transaction(async (tx) => {
      await tx.update(users).set({ lastLoginAt: now }).where(eq(users.id, user.id));
      await appendAudit(
        tx,
        {
          actorId: user.id,
          action: 'auth.sign_in',
          entityType: 'user',
          entityId: user.id,
          data: { ip },
        },
        now,
      );
    });
    const session = await this.openSession(user.id, meta);
    return knownBrowser
      ? session
      : { ...session, deviceToken: await this.devices.remember(user.id, now) };
  }

  /** A sign-in refused before any account change: its own audit entry. */
  private async auditSignIn(
    action: string,
    userId: string | null,
    at: Date,
    data: Record<string, unknown>,
  ): Promise<void> {
    await this.db.transaction((tx) =>
      appendAudit(tx, { actorId: null, action, entityType: 'user', entityId: userId, data }, at),
    );
  }

  /** Create a server-side session for a user. */
  async openSession(userId: string, meta: { ip?: string; userAgent?: string }): Promise<SignedIn> {
    const secret = newSecret();
    const csrfToken = newSecret(24);
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.policy.sessionTtlHours * 3_600_000);
    await this.db.insert(authSessions).values({
      id: sha256(secret),
      userId,
      csrfToken,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      ip: meta.ip ?? null,
      userAgent: meta.userAgent?.slice(0, 500) ?? null,
    });
    return { secret, csrfToken, expiresAt, userId };
  }

  /**
   * Resolve a session cookie secret to its actor; expired, revoked or disabled → undefined.
   * Asked on every request, so never answered from memory: a revoked session or a disabled
   * account is refused at once, whichever server process revoked it.
   */
  async resolveSession(secret: string): Promise<ResolvedAuth | undefined> {
    const now = this.clock.now();
    const id = sha256(secret);
    const [row] = await this.sessionByHash(this.db).execute({ id, now: now.toISOString() });
    if (!row || row.disabled) return undefined;
    // Touch at most once a minute: PGlite has one connection and every write counts.
    if (now.getTime() - row.lastSeenAt.getTime() > 60_000) {
      await this.db.update(authSessions).set({ lastSeenAt: now }).where(eq(authSessions.id, id));
    }
    return {
      actor: { userId: row.userId, email: row.email, role: row.role as Role, via: 'cookie' },
      sessionId: id,
      csrfToken: row.csrfToken,
      mustChangePassword: row.mustChangePassword,
      ...secondFactorGate({
        role: row.role as Role,
        hasFactor: row.hasFactor,
        verifiedAt: row.secondFactorAt,
        requireForStaff: row.requireForStaff,
        now,
      }),
    };
  }

  /**
   * Resolve an API token to its actor. Its scopes are cut to what the owner's role allows
   * now (the role may have changed since the token was made); an expired token is refused
   * with its own message, unknown, revoked or disabled ones resolve to undefined.
   */
  async resolveToken(secret: string): Promise<ResolvedAuth | undefined> {
    const now = this.clock.now();
    const [row] = await this.db
      .select({ t: apiTokens, u: users })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(and(eq(apiTokens.tokenHash, sha256(secret)), isNull(apiTokens.revokedAt)));
    if (!row || row.u.disabled) return undefined;
    const expiry = tokenExpiry(row.t, this.policy.apiTokenMaxDays);
    if (expiry <= now) {
      throw errors.unauthenticated(
        `This API token expired on ${expiry.toISOString()}; create a new one`,
      );
    }
    if (!row.t.lastUsedAt || now.getTime() - row.t.lastUsedAt.getTime() > 60_000) {
      await this.db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.t.id));
    }
    return {
      actor: {
        userId: row.u.id,
        email: row.u.email,
        role: row.u.role as Role,
        via: 'token',
        scopes: scopesAllowed(row.u.role as Role, row.t.scopes as TokenScope[]),
      },
    };
  }

  /** Revoke one session (sign-out). */
  async logout(sessionId: string): Promise<void> {
    await this.db
      .update(authSessions)
      .set({ revokedAt: this.clock.now() })
      .where(and(eq(authSessions.id, sessionId), isNull(authSessions.revokedAt)));
  }

  /** The caller's live sign-in sessions, the most recently seen first. */
  async listSessions(userId: string, currentId: string | undefined): Promise<AuthSession[]> {
    const rows = await this.db
      .select()
      .from(authSessions)
      .where(this.liveSessionsOf(userId))
      .orderBy(desc(authSessions.lastSeenAt));
    return rows.map((r) => ({
      id: publicSessionId(r.id),
      createdAt: r.createdAt.toISOString(),
      lastSeenAt: r.lastSeenAt.toISOString(),
      ip: r.ip,
      userAgent: r.userAgent,
      current: r.id === currentId,
    }));
  }

  /**
   * Revoke one of the caller's live sessions by its public id; anyone else's (or an unknown
   * id) is not found. Returns whether it was the calling session (then the caller is signed out).
   */
  async revokeSession(actor: Actor, publicId: string, currentId: string | undefined) {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const rows = await tx
        .select({ id: authSessions.id, ip: authSessions.ip })
        .from(authSessions)
        .where(this.liveSessionsOf(actor.userId));
      const row = rows.find((r) => publicSessionId(r.id) === publicId);
      if (!row) throw errors.notFound('Session');
      await tx
        .update(authSessions)
        .set({ revokedAt: now })
        .where(and(eq(authSessions.id, row.id), isNull(authSessions.revokedAt)));
      const current = row.id === currentId;
      await appendAudit(
        tx,
        {
          actorId: actor.userId,
          action: 'auth.session.revoke',
          entityType: 'user',
          entityId: actor.userId,
          data: { session: publicId, ip: row.ip, current },
        },
        now,
      );
      return { current };
    });
  }

  private liveSessionsOf(userId: string) {
    return and(
      eq(authSessions.userId, userId),
      isNull(authSessions.revokedAt),
      gt(authSessions.expiresAt, this.clock.now()),
    );
  }

  /** Change one's own password; every other session of the user is revoked. */
  async changePassword(actor: Actor, sessionId: string | undefined, current: string, next: string) {
    const [user] = await this.db.select().from(users).where(eq(users.id, actor.userId));
    if (!user) throw errors.unauthenticated();
    if (!(await verifyPassword(user.passwordHash, current))) {
      throw errors.badRequest('INVALID_CREDENTIALS', 'The current password is wrong');
    }
    assertPasswordPolicy(next, user.email);
    const passwordHash = await hashPassword(next);
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      await tx
        .update(users)
        .set({ passwordHash, passwordChangedAt: now, mustChangePassword: false, updatedAt: now })
        .where(eq(users.id, user.id));
      await tx
        .update(authSessions)
        .set({ revokedAt: now })
        .where(
          and(
            eq(authSessions.userId, user.id),
            isNull(authSessions.revokedAt),
            sessionId ? ne(authSessions.id, sessionId) : sql`true`,
          ),
        );
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'auth.password.change',
        entityType: 'user',
        entityId: user.id,
      });
    });
  }
}

/**
 * A session's id as its owner sees it: a hash of the stored hash, cut short. Neither the
 * cookie secret nor the stored id can be derived from it, so listing it leaks nothing.
 */
export const publicSessionId = (storedId: string): string => sha256(storedId).slice(0, 32);

/** The live session with this hash and its user: built once, the hottest query of all. */
function sessionByHashStatement(db: Db) {
  return preparedStatement(db, (d) =>
    d
      .select({
        lastSeenAt: authSessions.lastSeenAt,
        csrfToken: authSessions.csrfToken,
        userId: users.id,
        email: users.email,
        role: users.role,
        disabled: users.disabled,
        mustChangePassword: users.mustChangePassword,
        ...sessionMfaColumns,
      })
      .from(authSessions)
      .innerJoin(users, eq(users.id, authSessions.userId))
      .where(
        and(
          eq(authSessions.id, sql.placeholder('id')),
          isNull(authSessions.revokedAt),
          gt(authSessions.expiresAt, sql`${sql.placeholder('now')}::timestamptz`),
        ),
      )
      .prepare('auth_resolve_session'),
  );
}
