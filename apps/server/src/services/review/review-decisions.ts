import { eq } from 'drizzle-orm';
import type { FlagReviewBody } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { flags } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import type { SessionRow } from '../sessions/sessions.service.js';
import { isoOrNull } from '../sessions/time.js';
import { reviewableSession, startReview } from './review-transitions.js';

/**
 * Store one flag decision in a transaction: confirm or dismiss it, or change an earlier
 * decision while the review is open. Returns the session and the row it moved to
 * under_review (null when it already was), so the caller can tell the live feed and
 * re-judge the risk only after the transaction committed.
 */
export async function recordFlagDecision(
  db: Db,
  clock: Clock,
  actor: Actor,
  flagId: string,
  body: FlagReviewBody,
): Promise<{ sessionId: string; moved: SessionRow | null }> {
  return db.transaction(async (tx) => {
    const [found] = await tx
      .select({ sessionId: flags.sessionId })
      .from(flags)
      .where(eq(flags.id, flagId));
    if (!found) throw errors.notFound('Flag');
    const session = await reviewableSession(tx, actor, found.sessionId);
    const [before] = await tx.select().from(flags).where(eq(flags.id, flagId)).for('update');
    if (!before) throw errors.notFound('Flag');
    const now = clock.now();
    const comment = body.comment ?? null;
    if (before.reviewStatus !== body.decision || before.reviewComment !== comment) {
      await tx
        .update(flags)
        .set({
          reviewStatus: body.decision,
          reviewComment: comment,
          reviewedBy: actor.userId,
          reviewedAt: now,
        })
        .where(eq(flags.id, flagId));
      const redecided = before.reviewStatus !== 'open';
      await appendAudit(
        tx,
        {
          actorId: actor.userId,
          action: 'flag.review',
          entityType: 'flag',
          entityId: flagId,
          examId: session.examId,
          data: {
            sessionId: session.id,
            type: before.type,
            decision: body.decision,
            from: before.reviewStatus,
            to: body.decision,
            ...(comment && { comment }),
            ...(redecided && {
              previous: {
                decidedBy: before.reviewedBy,
                decidedAt: isoOrNull(before.reviewedAt),
                comment: before.reviewComment,
              },
            }),
          },
        },
        now,
      );
    }
    const moved = await startReview(tx, actor, session, now);
    return { sessionId: session.id, moved };
  });
}
