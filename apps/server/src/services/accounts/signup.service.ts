import { and, asc, eq, gt, isNull, lt } from 'drizzle-orm';
import type { SignupBody, SignupPending, User } from '@invigil/contracts';
import type { Db, Tx } from '../../db/database.js';
import { emailVerifications, users } from '../../db/schema.js';
import { AppError, errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { MailMessage, Mailer } from '../../ports/mailer.port.js';
import { appendAudit } from '../audit/audit.service.js';
import type { Actor } from './actor.js';
import { sha256, type AuthService, type SignedIn } from './auth.service.js';
import { LinkMailer, newLinkSecret } from './mailed-link.js';
import { emailDomainAllowed, getSignupSettings } from './settings.service.js';
import { approveSignup, rejectSignup, revokeVerificationLinks } from './signup-approval.js';
import { verificationLink, verificationMail } from './signup-mail.js';
import { insertUser } from './users.service.js';

/** How long a verification link works. */
export const VERIFY_LINK_HOURS = 24;
/** Verification e-mails one account may be sent per hour (the sign-up's own included). */
export const VERIFY_LINKS_PER_HOUR = 3;
const HOUR_MS = 3_600_000;

/** Settings of self sign-up. */
export interface SignupOptions {
  /** With a mailer, new accounts verify their address by a link; without, an admin approves them. */
  mailer: Mailer | undefined;
  publicUrl: string;
  /** Told of e-mails that could not be sent. */
  onError: (err: unknown, message: string) => void;
}

const invalidToken = (message?: string) =>
  errors.badRequest(
    'VERIFY_TOKEN_INVALID',
    message ??
      'This verification link is not valid: it may have expired or been used already. Sign in and ask for a new one.',
  );

/**
 * Student self sign-up, and the check that the person can be reached before the account may
 * take exams: a single-use link mailed to the address (when e-mail is configured), otherwise
 * an admin's approval (signup-approval.ts). Until then the student can sign in and look
 * around, but registering for an exam or starting one is refused (assertMayTakeExams).
 */
export class SignupService {
  private readonly links: LinkMailer | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly auth: Pick<AuthService, 'openSession'>,
    private readonly options: SignupOptions,
  ) {
    this.links = options.mailer && new LinkMailer(options.mailer, options.onError, 'verification');
  }

  /** Create a student account, when an admin has enabled sign-up (and the domain is allowed). */
  async signup(body: SignupBody, meta: { ip?: string; userAgent?: string }): Promise<SignedIn> {
    const signup = await getSignupSettings(this.db);
    if (!signup.enabled) {
      throw new AppError(
        403,
        'SIGNUP_DISABLED',
        'Self sign-up is turned off; ask your exam office',
      );
    }
    if (!emailDomainAllowed(body.email, signup.allowedDomains)) {
      throw new AppError(
        403,
        'SIGNUP_DOMAIN_NOT_ALLOWED',
        `Sign up with an address at ${signup.allowedDomains.join(', ')}`,
        { allowedDomains: signup.allowedDomains },
      );
    }
    const pending = this.links ? 'email' : 'approval';
    const now = this.clock.now();
    const { userId, mail } = await this.db.transaction(async (tx) => {
      const row = await insertUser(tx, { ...body, role: 'student' });
      await tx
        .update(users)
        .set({ lastLoginAt: now, signupPending: pending })
        .where(eq(users.id, row.id));
      await appendAudit(tx, {
        actorId: row.id,
        action: 'user.signup',
        entityType: 'user',
        entityId: row.id,
        data: { email: row.email, pending },
      });
      return { userId: row.id, mail: this.links && (await this.issue(tx, row, now)) };
    });
    if (mail) this.links?.send(mail);
    return this.auth.openSession(userId, meta);
  }

  /**
   * Mail a new verification link to the caller, whose address is not verified yet; older
   * links stop working. At most VERIFY_LINKS_PER_HOUR an hour (429 RATE_LIMITED beyond).
   * When e-mail is no longer configured, the account joins the admin's approval queue
   * instead. Returns what the account waits for now.
   */
  async resend(actor: Actor): Promise<SignupPending> {
    const { links } = this;
    const now = this.clock.now();
    const mail = await this.db.transaction(async (tx) => {
      // One account's requests are judged one at a time, also across server processes.
      const [user] = await tx.select().from(users).where(eq(users.id, actor.userId)).for('update');
      if (!user || user.signupPending !== 'email') {
        throw errors.conflict(
          'VERIFICATION_NOT_PENDING',
          user?.signupPending === 'approval'
            ? 'Your account waits for an administrator’s approval; there is no link to send'
            : 'Your e-mail address needs no verification',
        );
      }
      if (!links) {
        await tx
          .update(users)
          .set({ signupPending: 'approval', updatedAt: now })
          .where(eq(users.id, user.id));
        await revokeVerificationLinks(tx, user.id, now);
        await appendAudit(tx, {
          actorId: user.id,
          action: 'user.signup.awaits_approval',
          entityType: 'user',
          entityId: user.id,
          data: { reason: 'e-mail not configured' },
        });
        return undefined;
      }
      const recent = await tx
        .select({ createdAt: emailVerifications.createdAt })
        .from(emailVerifications)
        .where(
          and(
            eq(emailVerifications.userId, user.id),
            gt(emailVerifications.createdAt, new Date(now.getTime() - HOUR_MS)),
          ),
        )
        .orderBy(asc(emailVerifications.createdAt));
      if (recent.length >= VERIFY_LINKS_PER_HOUR) {
        const oldest = recent[0]?.createdAt.getTime() ?? now.getTime();
        const retryAfter = Math.max(1, Math.ceil((oldest + HOUR_MS - now.getTime()) / 1000));
        throw new AppError(
          429,
          'RATE_LIMITED',
          `${VERIFY_LINKS_PER_HOUR} links were sent in the last hour; try again in ${Math.ceil(retryAfter / 60)} minutes`,
          { retryAfterSeconds: retryAfter },
          { 'retry-after': String(retryAfter) },
        );
      }
      return this.issue(tx, user, now);
    });
    if (!mail) return 'approval';
    links?.send(mail);
    return 'email';
  }

  /**
   * Verify an address with a link's secret: the link is used up and the account may take
   * exams, audited in the same transaction. An unknown, used, revoked or expired link (or a
   * disabled account) is 400 VERIFY_TOKEN_INVALID. Opened in a browser signed in to another
   * account, it is refused and stays usable: whoever clicks must not verify someone else.
   */
  async verify(token: string, signedInAs: string | undefined): Promise<void> {
    const now = this.clock.now();
    const live = and(
      eq(emailVerifications.tokenHash, sha256(token)),
      isNull(emailVerifications.usedAt),
      isNull(emailVerifications.revokedAt),
      gt(emailVerifications.expiresAt, now),
    );
    await this.db.transaction(async (tx) => {
      const [row] = await tx
        .select({ id: emailVerifications.id, userId: emailVerifications.userId })
        .from(emailVerifications)
        .where(live)
        .for('update');
      if (!row) throw invalidToken();
      if (signedInAs && signedInAs !== row.userId) {
        throw invalidToken(
          'This verification link is for another account: sign out, then open the link again',
        );
      }
      const [user] = await tx
        .update(users)
        .set({ signupPending: null, updatedAt: now })
        .where(and(eq(users.id, row.userId), eq(users.disabled, false)))
        .returning({ id: users.id, email: users.email });
      if (!user) throw invalidToken();
      await tx
        .update(emailVerifications)
        .set({ usedAt: now })
        .where(eq(emailVerifications.id, row.id));
      await revokeVerificationLinks(tx, user.id, now);
      await appendAudit(tx, {
        actorId: user.id,
        action: 'user.email_verified',
        entityType: 'user',
        entityId: user.id,
        data: { email: user.email },
      });
    });
  }

  /** Admin: let a waiting account take exams (signup-approval.ts). */
  approve(actor: Actor, userId: string): Promise<User> {
    return approveSignup(this.db, actor, userId, this.clock.now());
  }

  /** Admin: refuse a waiting account; it is disabled (signup-approval.ts). */
  reject(actor: Actor, userId: string): Promise<User> {
    return rejectSignup(this.db, actor, userId, this.clock.now());
  }

  /** Resolves once every verification e-mail started so far is sent or failed. */
  async settled(): Promise<void> {
    await this.links?.settled();
  }

  /** Make a link in `tx` (older ones revoked, stale ones deleted); the e-mail that carries it. */
  private async issue(
    tx: Tx,
    user: { id: string; email: string; name: string },
    now: Date,
  ): Promise<MailMessage> {
    const token = newLinkSecret();
    await revokeVerificationLinks(tx, user.id, now);
    await tx
      .delete(emailVerifications)
      .where(
        and(
          eq(emailVerifications.userId, user.id),
          lt(emailVerifications.createdAt, new Date(now.getTime() - VERIFY_LINK_HOURS * HOUR_MS)),
        ),
      );
    await tx.insert(emailVerifications).values({
      userId: user.id,
      tokenHash: sha256(token),
      createdAt: now,
      expiresAt: new Date(now.getTime() + VERIFY_LINK_HOURS * HOUR_MS),
    });
    return verificationMail(
      user,
      verificationLink(this.options.publicUrl, token),
      VERIFY_LINK_HOURS,
    );
  }
}
