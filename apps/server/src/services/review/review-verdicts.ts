import { eq } from 'drizzle-orm';
import {
  describeVerdictConflict,
  verdictConflict,
  type FlagReviewStatus,
  type ReviewResponseBody,
  type VerdictBody,
} from '@invigil/contracts';
import type { Db, Tx } from '../../db/database.js';
import { examSessions, flags, sessionReviews } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { BusTopics } from '../../ports/event-bus.port.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { checkTransition, type SessionRow } from '../sessions/sessions.service.js';
import { iso } from '../sessions/time.js';
import { canRespond, hasVerdict, type ReviewRow } from './review-read.js';
import { moveSession, reviewableSession, startReview } from './review-transitions.js';

/**
 * Store the verdict in a transaction once every flag is decided: the session becomes
 * reviewed. Returns the event to publish and the moved session, so the caller publishes and
 * tells the live feed only after the transaction committed.
 */
export async function recordVerdict(
  db: Db,
  clock: Clock,
  actor: Actor,
  sessionId: string,
  body: VerdictBody,
): Promise<{ published: BusTopics['review.verdict']; moved: SessionRow }> {
  return db.transaction(async (tx) => {
    const session = await reviewableSession(tx, actor, sessionId);
    const decided = await tx
      .select({
        id: flags.id,
        type: flags.type,
        message: flags.message,
        decision: flags.reviewStatus,
      })
      .from(flags)
      .where(eq(flags.sessionId, sessionId));
    const undecided = decided
      .filter((f) => f.decision === 'open')
      .map(({ id, type, message }) => ({ id, type, message }));
    if (undecided.length > 0) {
      throw errors.conflict(
        'FLAGS_UNDECIDED',
        `Confirm or dismiss every flag first (${undecided.length} undecided)`,
        { flags: undecided },
      );
    }
    const decisions = decided.map((f) => f.decision as FlagReviewStatus);
    const conflict = verdictConflict(body.verdict, decisions);
    if (conflict && !body.overrideComment) {
      const confirmed = decisions.filter((d) => d === 'confirmed').length;
      throw errors.conflict(
        'VERDICT_NEEDS_REASON',
        `${describeVerdictConflict(conflict, confirmed)}: explain why in overrideComment, or change the decisions`,
        {
          conflict,
          confirmed,
          dismissed: decisions.length - confirmed,
        },
      );
    }
    const now = clock.now();
    await startReview(tx, actor, session, now);
    checkTransition('under_review', 'reviewed', 'verdict');
    const [before] = await tx
      .select()
      .from(sessionReviews)
      .where(eq(sessionReviews.sessionId, sessionId));
    const final = before?.response != null;
    const values = {
      verdict: body.verdict,
      reason: body.reason,
      reviewerId: actor.userId,
      decidedAt: now,
      finalAt: final ? now : null,
      updatedAt: now,
    };
    await tx
      .insert(sessionReviews)
      .values({ sessionId, ...values })
      .onConflictDoUpdate({ target: sessionReviews.sessionId, set: values });
    const moved = await moveSession(tx, actor.userId, session, 'under_review', 'reviewed', now, {
      verdict: body.verdict,
    });
    await appendAudit(
      tx,
      {
        actorId: actor.userId,
        action: 'review.verdict',
        entityType: 'session',
        entityId: sessionId,
        examId: session.examId,
        data: {
          verdict: body.verdict,
          reason: body.reason,
          final,
          ...(before?.verdict && { previous: before.verdict }),
          // Read back with the verdict: the review has no column of its own for it.
          ...(body.overrideComment && { overrideComment: body.overrideComment }),
          ...(conflict && { conflict }),
        },
      },
      now,
    );
    const published = {
      sessionId,
      examId: session.examId,
      verdict: body.verdict,
      reason: body.reason,
      final,
      reviewerId: actor.userId,
      decidedAt: iso(now),
    };
    return { published, moved };
  });
}

/**
 * Store the student's one response in a transaction and reopen the review
 * (reviewed → under_review); the moved session, for the caller to tell the live feed once
 * committed.
 */
export async function recordResponse(
  db: Db,
  clock: Clock,
  actor: Actor,
  sessionId: string,
  body: ReviewResponseBody,
): Promise<SessionRow> {
  return db.transaction(async (tx) => {
    const [session] = await tx
      .select()
      .from(examSessions)
      .where(eq(examSessions.id, sessionId))
      .for('update');
    if (!session || actor.role !== 'student' || session.studentId !== actor.userId) {
      throw errors.notFound('Session');
    }
    const review = await reviewRow(tx, sessionId, true);
    if (!hasVerdict(review)) throw errors.notFound('Review');
    if (review.response !== null) {
      throw errors.conflict('RESPONSE_ALREADY_SENT', 'You have already responded to this review');
    }
    const now = clock.now();
    if (!canRespond(review, session.state, now)) {
      throw errors.conflict(
        'RESPONSE_WINDOW_CLOSED',
        'The verdict is final; a response can no longer be sent',
      );
    }
    checkTransition('reviewed', 'under_review', 'student_response');
    await tx
      .update(sessionReviews)
      .set({ response: body.text, respondedAt: now, updatedAt: now })
      .where(eq(sessionReviews.sessionId, sessionId));
    await appendAudit(
      tx,
      {
        actorId: actor.userId,
        action: 'review.response',
        entityType: 'session',
        entityId: sessionId,
        examId: session.examId,
        data: { length: body.text.length },
      },
      now,
    );
    return moveSession(tx, actor.userId, session, 'reviewed', 'under_review', now, {
      reason: 'student response',
    });
  });
}

/** The session's review row, locked for update when `lock`: the response must be sent once. */
async function reviewRow(tx: Tx, sessionId: string, lock: boolean): Promise<ReviewRow | undefined> {
  const q = tx.select().from(sessionReviews).where(eq(sessionReviews.sessionId, sessionId));
  const [row] = lock ? await q.for('update') : await q;
  return row;
}
