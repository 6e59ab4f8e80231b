import { and, count, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { authSessions, passwordResets, users } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { MailMessage, Mailer } from '../../ports/mailer.port.js';
import { LinkMailer, newLinkSecret } from './mailed-link.js';
import { appendAudit } from '../audit/audit.service.js';
import { clearSignInFailures } from './sign-in-throttle.js';
import { sha256 } from './auth.service.js';
import { hashPassword } from './password.js';
import { passwordResetMail, resetLink } from './password-reset-mail.js';
import { assertPasswordPolicy, findUserByEmail } from './users.service.js';

/** Links one account may be sent per hour; further requests are ignored (the answer is the same). */
export const RESET_REQUESTS_PER_HOUR = 3;

/** Requests waiting to be handled; beyond this a flood is dropped rather than queued. */
const MAX_WAITING = 200;
const HOUR_MS = 3_600_000;
/** Links older than this are deleted when the account asks for a new one. */
const KEEP_MS = 24 * HOUR_MS;

/** Settings of "forgot password". */
export interface PasswordResetOptions {
  /** Undefined when e-mail is not configured: then no link is ever made. */
  mailer: Mailer | undefined;
  publicUrl: string;
  /** How long a link works. */
  linkMinutes: number;
  /** Links per account per hour (default RESET_REQUESTS_PER_HOUR). */
  requestsPerHour?: number;
  /** Told of failures of the work done after answering a request. */
  onError: (err: unknown, message: string) => void;
}

// Lets the answer go out first, so its timing cannot depend on what the lookup finds.
const afterTheAnswer = () => new Promise<void>((resolve) => setImmediate(resolve));

const invalidToken = () =>
  errors.badRequest(
    'RESET_TOKEN_INVALID',
    'This password reset link is not valid: it may have expired or been used already. Ask for a new one.',
  );

/**
 * "Forgot password" by e-mail. A link carries 32 random bytes of which only the SHA-256 is
 * stored; it works once, until it expires, and a newer link revokes the older ones.
 */
export class PasswordResetService {
  private chain: Promise<void> = Promise.resolve();
  private waiting = 0;
  private readonly links: LinkMailer | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly options: PasswordResetOptions,
  ) {
    this.links =
      options.mailer && new LinkMailer(options.mailer, options.onError, 'password reset');
  }

  /** What the sign-in page offers: links and how long they work, or null without e-mail. */
  get offer(): { linkMinutes: number } | null {
    return this.options.mailer ? { linkMinutes: this.options.linkMinutes } : null;
  }

  /**
   * Ask for a link for `email`. Returns at once whatever the outcome: looking the account up,
   * making the link and sending it happen afterwards, one request at a time, so neither the
   * answer nor its timing tells whether the account exists. Nothing is sent without e-mail,
   * for an unknown or disabled account, or beyond the hourly allowance of the account.
   */
  request(email: string, meta: { ip?: string }): void {
    const { links } = this;
    if (!links) return;
    if (this.waiting >= MAX_WAITING) {
      this.options.onError(new Error('too many waiting'), 'password reset request dropped');
      return;
    }
    this.waiting += 1;
    this.chain = this.chain
      .then(afterTheAnswer)
      .then(() => this.issue(email, meta))
      .then((mail) => {
        if (mail) links.send(mail);
      })
      .catch((err: unknown) => this.options.onError(err, 'password reset request failed'))
      .finally(() => {
        this.waiting -= 1;
      });
  }

  /** Resolves once every request accepted so far is handled and its e-mail sent or failed. */
  async settled(): Promise<void> {
    while (this.waiting > 0 || this.links?.busy) {
      await this.chain;
      await this.links?.settled();
    }
  }

  /**
   * Set a new password with a link's secret: the link is used up, the password replaced, every
   * session of the account revoked, a lockout lifted and other links revoked, in one
   * transaction with the audit entry. An unknown, used, revoked or expired link (or a disabled
   * account) is 400 RESET_TOKEN_INVALID, one answer for all. API tokens stay valid, as after a
   * password change: they are separate credentials the owner manages on the Account page.
   */
  async confirm(token: string, password: string, meta: { ip?: string }): Promise<void> {
    const now = this.clock.now();
    const tokenHash = sha256(token);
    const live = and(
      eq(passwordResets.tokenHash, tokenHash),
      isNull(passwordResets.usedAt),
      isNull(passwordResets.revokedAt),
      gt(passwordResets.expiresAt, now),
    );
    const [row] = await this.db
      .select({ resetId: passwordResets.id, user: users })
      .from(passwordResets)
      .innerJoin(users, eq(users.id, passwordResets.userId))
      .where(live);
    if (!row || row.user.disabled) throw invalidToken();
    // A weak password leaves the link usable, so the person can try another.
    assertPasswordPolicy(password, row.user.email);
    const passwordHash = await hashPassword(password);
    const userId = row.user.id;
    await this.db.transaction(async (tx) => {
      // Claiming the link is the guard: of two concurrent uses only one gets the row.
      const [claimed] = await tx
        .update(passwordResets)
        .set({ usedAt: now })
        .where(and(eq(passwordResets.id, row.resetId), live))
        .returning({ id: passwordResets.id });
      if (!claimed) throw invalidToken();
      const [updated] = await tx
        .update(users)
        .set({
          passwordHash,
          passwordChangedAt: now,
          // The user chose it: an admin-set password no longer needs changing.
          mustChangePassword: false,
          updatedAt: now,
        })
        .where(and(eq(users.id, userId), eq(users.disabled, false)))
        .returning({ id: users.id, email: users.email });
      if (!updated) throw invalidToken();
      await clearSignInFailures(tx, updated.email);
      const revoked = await tx
        .update(authSessions)
        .set({ revokedAt: now })
        .where(and(eq(authSessions.userId, userId), isNull(authSessions.revokedAt)))
        .returning({ id: authSessions.id });
      await tx
        .update(passwordResets)
        .set({ revokedAt: now })
        .where(
          and(
            eq(passwordResets.userId, userId),
            isNull(passwordResets.usedAt),
            isNull(passwordResets.revokedAt),
          ),
        );
      await appendAudit(tx, {
        actorId: userId,
        action: 'auth.password_reset',
        entityType: 'user',
        entityId: userId,
        data: { ip: meta.ip ?? null, sessionsRevoked: revoked.length },
      });
    });
  }

  /** Make a link for an active account within its allowance; the e-mail to send, if any. */
  private async issue(email: string, meta: { ip?: string }): Promise<MailMessage | undefined> {
    const user = await findUserByEmail(this.db, email);
    if (!user || user.disabled) return undefined;
    const now = this.clock.now();
    const token = newLinkSecret();
    const made = await this.db.transaction(async (tx) => {
      // One account's requests are judged one at a time, also across server processes.
      await tx.select({ id: users.id }).from(users).where(eq(users.id, user.id)).for('update');
      const [recent] = await tx
        .select({ n: count() })
        .from(passwordResets)
        .where(
          and(
            eq(passwordResets.userId, user.id),
            gt(passwordResets.createdAt, new Date(now.getTime() - HOUR_MS)),
          ),
        );
      const limit = this.options.requestsPerHour ?? RESET_REQUESTS_PER_HOUR;
      if ((recent?.n ?? 0) >= limit) return false;
      await tx
        .update(passwordResets)
        .set({ revokedAt: now })
        .where(
          and(
            eq(passwordResets.userId, user.id),
            isNull(passwordResets.usedAt),
            isNull(passwordResets.revokedAt),
          ),
        );
      await tx
        .delete(passwordResets)
        .where(
          and(
            eq(passwordResets.userId, user.id),
            lt(passwordResets.createdAt, new Date(now.getTime() - KEEP_MS)),
          ),
        );
      await tx.insert(passwordResets).values({
        userId: user.id,
        tokenHash: sha256(token),
        createdAt: now,
        expiresAt: new Date(now.getTime() + this.options.linkMinutes * 60_000),
        ip: meta.ip ?? null,
      });
      await appendAudit(tx, {
        actorId: null,
        action: 'auth.password_reset.request',
        entityType: 'user',
        entityId: user.id,
        data: { ip: meta.ip ?? null },
      });
      return true;
    });
    if (!made) return undefined;
    return passwordResetMail(
      user,
      resetLink(this.options.publicUrl, token),
      this.options.linkMinutes,
    );
  }
}
