import { eq } from 'drizzle-orm';
import type {
  FlagReviewBody,
  MyReview,
  ReviewQueueEntry,
  ReviewResponseBody,
  SessionReview,
  Verdict,
  VerdictBody,
} from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { examSessions, sessionReviews } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { EventBus } from '../../ports/event-bus.port.js';
import type { Actor } from '../accounts/actor.js';
import { loadSessionChat } from '../live/chat-read.js';
import { handsOfSession } from '../live/hands-read.js';
import type { EmitLive } from '../live/live-feed.service.js';
import { auditRecordingView, sessionForRead } from '../sessions/session-access.js';
import { sessionStateMessage, toSession } from '../sessions/sessions.service.js';
import { recordFlagDecision } from './review-decisions.js';
import { reviewQueue } from './review-queue.js';
import {
  canRespond,
  hasVerdict,
  isFinal,
  loadNotes,
  loadReviewData,
  toResponse,
  toVerdict,
} from './review-read.js';
import { recordResponse, recordVerdict } from './review-verdicts.js';

/**
 * The review after the exam: a queue per exam, a decision per flag, a verdict, the student's
 * one response that reopens the review, and the review read for staff and the student.
 * Reviewers are the exam's assigned proctors and instructors, and admins.
 *
 * The transactions live beside it (review-queue, review-decisions, review-verdicts, on the
 * shared state changes of review-transitions); this class runs what follows a commit (live
 * feed, bus, risk re-judgement) and answers with the review as read afterwards.
 */
export class ReviewService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly bus: EventBus,
    private readonly hooks: {
      /** Told after a flag decision: the risk score counts decisions, so it is re-judged. */
      rederive?: (sessionId: string) => Promise<void>;
      /** Where state changes go out live (the student's page and the exam's dashboard). */
      live?: EmitLive;
    } = {},
  ) {}

  /**
   * The exam's finished sessions, ordered for reviewing: responses awaiting re-review first
   * (oldest response first), then sessions without a verdict by risk, then the rest by risk.
   */
  async queue(actor: Actor, examId: string): Promise<ReviewQueueEntry[]> {
    return reviewQueue(this.db, this.clock, actor, examId);
  }

  /**
   * Confirm or dismiss one flag, or change an earlier decision (confirm ↔ dismiss) while the
   * review is open — also after the student's response reopened it, before the final verdict.
   * The first decision on a submitted or terminated session starts its review
   * (→ under_review). Each decision is audited as `flag.review` with `from` and `to`, and the
   * one it replaces (who, when, comment) stays in the audit log as the flag's history. The
   * same decision with the same comment again changes nothing.
   */
  async decideFlag(actor: Actor, flagId: string, body: FlagReviewBody): Promise<SessionReview> {
    const { sessionId, moved } = await recordFlagDecision(this.db, this.clock, actor, flagId, body);
    if (moved) await this.hooks.live?.(sessionStateMessage(moved));
    await this.hooks.rederive?.(sessionId);
    return this.read(actor, sessionId, { audit: false });
  }

  /**
   * Give the verdict once every flag is decided: the session becomes reviewed. Given after
   * the student's response it is final; otherwise provisional for the response window. A
   * verdict that goes against the decisions (`verdictConflict`) needs the reviewer's
   * `overrideComment` (409 VERDICT_NEEDS_REASON), kept in the verdict's audit entry.
   */
  async verdict(actor: Actor, sessionId: string, body: VerdictBody): Promise<SessionReview> {
    const { published, moved } = await recordVerdict(this.db, this.clock, actor, sessionId, body);
    await this.hooks.live?.(sessionStateMessage(moved));
    await this.bus.publish('review.verdict', published);
    return this.read(actor, sessionId, { audit: false });
  }

  /**
   * The student's one response to a provisional verdict: stored, and the review reopens
   * (reviewed → under_review) so the reviewer decides again, finally.
   */
  async respond(actor: Actor, sessionId: string, body: ReviewResponseBody): Promise<SessionReview> {
    const moved = await recordResponse(this.db, this.clock, actor, sessionId, body);
    await this.hooks.live?.(sessionStateMessage(moved));
    return this.read(actor, sessionId, { audit: false });
  }

  /**
   * A session's review. Staff of the exam see flags with detector detail, reviewer names and
   * notes (audited as a recording view). The student sees their own once a verdict exists,
   * without notes, reviewer identities or detector detail; before that it is NOT_FOUND.
   */
  async read(
    actor: Actor,
    sessionId: string,
    opts: { audit?: boolean } = {},
  ): Promise<SessionReview> {
    const session = await sessionForRead(this.db, actor, sessionId);
    const audience = actor.role === 'student' ? 'student' : 'staff';
    const now = this.clock.now();
    const data = await loadReviewData(this.db, session, audience, now);
    if (audience === 'student' && !hasVerdict(data.review)) {
      throw errors.notFound('Review result');
    }
    if (audience === 'staff' && opts.audit !== false) {
      await auditRecordingView(this.db, actor, session, 'flags', now, { via: 'review' });
    }
    return {
      session: toSession(session),
      exam: data.exam,
      student: data.student,
      identity: data.identity,
      flags: data.flags,
      undecided: data.flags.filter((f) => f.decision === 'open').length,
      verdict: hasVerdict(data.review)
        ? toVerdict(data.review, now, audience, data.reviewerName, data.overrideComment)
        : null,
      response: toResponse(data.review),
      canRespond: audience === 'student' && canRespond(data.review, session.state, now),
      ...(audience === 'staff' && {
        risk: data.risk,
        notes: await loadNotes(this.db, sessionId),
        chat: await loadSessionChat(this.db, session, { duringAttempt: true }),
        helpRequests: await handsOfSession(this.db, session.id),
        rtcLinks: data.rtcLinks,
      }),
    };
  }

  /** The student's sessions that have a verdict, for their exam list. */
  async mine(actor: Actor): Promise<MyReview[]> {
    if (actor.role !== 'student') throw errors.forbidden('Only students have review results');
    const rows = await this.db
      .select({ s: examSessions, r: sessionReviews })
      .from(sessionReviews)
      .innerJoin(examSessions, eq(examSessions.id, sessionReviews.sessionId))
      .where(eq(examSessions.studentId, actor.userId));
    const now = this.clock.now();
    return rows.flatMap(({ s, r }) =>
      hasVerdict(r)
        ? [
            {
              sessionId: s.id,
              examId: s.examId,
              verdict: r.verdict as Verdict,
              final: isFinal(r, now),
              canRespond: canRespond(r, s.state, now),
            },
          ]
        : [],
    );
  }
}
