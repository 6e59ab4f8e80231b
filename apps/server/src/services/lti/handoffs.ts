import { and, eq, gt, isNull, lt } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/database.js';
import { ltiHandoffs, users } from '../../db/schema.js';
import type { Clock } from '../../ports/clock.port.js';
import type { AuthService, SignedIn } from '../accounts/auth.service.js';
import { ltiError } from './lti-errors.js';
import { newLtiSecret, sha256Hex } from './secrets.js';

/** How long a launch page's "Open Invigil" ticket works. */
export const HANDOFF_MINUTES = 10;

/**
 * One-time tickets from a verified launch to a signed-in top-level window. The launch page
 * (often inside the platform's iframe, where Invigil's own cookie is not set) posts the
 * ticket to /lti/handoff in a new window; that request gets the session cookie. Only the
 * ticket's SHA-256 is stored.
 */
export class LtiHandoffs {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly auth: AuthService,
  ) {}

  /** A new ticket for `userId` to open `target` (an in-app path), inside the launch's transaction. */
  async create(tx: DbOrTx, userId: string, target: string, now: Date): Promise<string> {
    const token = newLtiSecret();
    await tx.delete(ltiHandoffs).where(lt(ltiHandoffs.expiresAt, now));
    await tx.insert(ltiHandoffs).values({
      tokenHash: sha256Hex(token),
      userId,
      target,
      createdAt: now,
      expiresAt: new Date(now.getTime() + HANDOFF_MINUTES * 60_000),
    });
    return token;
  }

  /**
   * Exchange a ticket (once, before it expires) for a new session of its user; refused as
   * LTI_STATE_INVALID when unknown, used or expired, LTI_ACCOUNT_DISABLED for a disabled account.
   */
  async redeem(
    token: string,
    meta: { ip?: string; userAgent?: string },
  ): Promise<{ session: SignedIn; target: string }> {
    const now = this.clock.now();
    const [ticket] = await this.db
      .update(ltiHandoffs)
      .set({ usedAt: now })
      .where(
        and(
          eq(ltiHandoffs.tokenHash, sha256Hex(token)),
          isNull(ltiHandoffs.usedAt),
          gt(ltiHandoffs.expiresAt, now),
        ),
      )
      .returning();
    if (!ticket) throw ltiError('LTI_STATE_INVALID', 'handoff unknown, used or expired');
    const [user] = await this.db
      .select({ disabled: users.disabled })
      .from(users)
      .where(eq(users.id, ticket.userId));
    if (!user || user.disabled) throw ltiError('LTI_ACCOUNT_DISABLED');
    const session = await this.auth.openSession(ticket.userId, meta);
    return { session, target: ticket.target };
  }
}
