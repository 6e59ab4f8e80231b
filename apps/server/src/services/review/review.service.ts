import { and, eq, inArray, sql } from 'drizzle-orm';
import {
  describeVerdictConflict,
  verdictConflict,
  type FlagCounts,
  type FlagReviewBody,
  type FlagReviewStatus,
  type MyReview,
  type ReviewQueueEntry,
  type ReviewResponseBody,
  type SessionReview,
  type SessionState,
  type Verdict,
  type VerdictBody,
} from '@invigil/contracts';
import { lockInTransaction, SESSION_FLAGS_LOCK } from '../../db/advisory-locks.js';
import type { Db, Tx } from '../../db/database.js';
import { examSessions, flags, sessionReviews, sessionRisk, users } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { EventBus } from '../../ports/event-bus.port.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { loadExamFor } from '../exams/exam-access.js';
import { loadSessionChat } from '../live/chat-read.js';
import { handsOfSession } from '../live/hands-read.js';
import { sessionLinks } from '../live/rtc-record.js';
import { auditRecordingView, sessionForRead } from '../sessions/session-access.js';
import {
  canRespond,
  hasVerdict,
  isFinal,
  loadNotes,
  loadReviewData,
  toResponse,
  toVerdict,
  type ReviewRow,
} from './review-read.js';
import type { EmitLive } from '../live/live-feed.service.js';
import {
  checkTransition,
  sessionStateMessage,
  toSession,
  type SessionRow,
} from '../sessions/sessions.service.js';
import { iso, isoOrNull } from '../sessions/time.js';

/** Finished attempts: the ones a review queue lists. */
const FINISHED: readonly SessionState[] = ['submitted', 'terminated', 'under_review', 'reviewed'];
/** States in which flags may be decided and a verdict given. */
const REVIEWABLE: readonly SessionState[] = ['submitted', 'terminated', 'under_review'];

/**
 * The review after the exam: a queue per exam, a decision per flag, a verdict, the student's
 * one response that reopens the review, and the review read for staff and the student.
 * Reviewers are the exam's assigned proctors and instructors, and admins.
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
    await loadExamFor(this.db, actor, examId, 'read');
    const rows = await this.db
      .select({
        s: examSessions,
        name: users.name,
        email: users.email,
        risk: sessionRisk.score,
        review: sessionReviews,
      })
      .from(examSessions)
      .innerJoin(users, eq(users.id, examSessions.studentId))
      .leftJoin(sessionRisk, eq(sessionRisk.sessionId, examSessions.id))
      .leftJoin(sessionReviews, eq(sessionReviews.sessionId, examSessions.id))
      .where(and(eq(examSessions.examId, examId), inArray(examSessions.state, [...FINISHED])));
    const counts = new Map<string, FlagCounts>();
    if (rows.length > 0) {
      const grouped = await this.db
        .select({
          sessionId: flags.sessionId,
          status: flags.reviewStatus,
          n: sql<number>`count(*)::int`,
        })
        .from(flags)
        .innerJoin(examSessions, eq(examSessions.id, flags.sessionId))
        .where(and(eq(examSessions.examId, examId), inArray(examSessions.state, [...FINISHED])))
        .groupBy(flags.sessionId, flags.reviewStatus);
      for (const g of grouped) {
        const c = counts.get(g.sessionId) ?? { open: 0, confirmed: 0, dismissed: 0 };
        c[g.status as keyof FlagCounts] = Number(g.n);
        counts.set(g.sessionId, c);
      }
    }
    const now = this.clock.now();
    const entries = rows.map(({ s, name, email, risk, review }): ReviewQueueEntry => {
      const decided = hasVerdict(review) ? review : null;
      const final = decided ? isFinal(decided, now) : false;
      return {
        session: toSession(s),
        student: { id: s.studentId, name, email },
        risk: risk ?? 0,
        flags: counts.get(s.id) ?? { open: 0, confirmed: 0, dismissed: 0 },
        verdict: decided ? (decided.verdict as Verdict) : null,
        decidedAt: isoOrNull(decided?.decidedAt),
        final,
        awaitingReReview: review?.response != null && !final,
        respondedAt: isoOrNull(review?.respondedAt),
      };
    });
    const rank = (e: ReviewQueueEntry) => (e.awaitingReReview ? 0 : e.verdict === null ? 1 : 2);
    return entries.sort(
      (a, b) =>
        rank(a) - rank(b) ||
        (rank(a) === 0
          ? Date.parse(a.respondedAt ?? '') - Date.parse(b.respondedAt ?? '')
          : b.risk - a.risk) ||
        a.student.name.localeCompare(b.student.name),
    );
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
    const { sessionId, moved } = await this.db.transaction(async (tx) => {
      const [found] = await tx
        .select({ sessionId: flags.sessionId })
        .from(flags)
        .where(eq(flags.id, flagId));
      if (!found) throw errors.notFound('Flag');
      const session = await this.reviewableSession(tx, actor, found.sessionId);
      const [before] = await tx.select().from(flags).where(eq(flags.id, flagId)).for('update');
      if (!before) throw errors.notFound('Flag');
      const now = this.clock.now();
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
      const moved = await this.startReview(tx, actor, session, now);
      return { sessionId: session.id, moved };
    });
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
    const { published, moved } = await this.db.transaction(async (tx) => {
      const session = await this.reviewableSession(tx, actor, sessionId);
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
      const now = this.clock.now();
      await this.startReview(tx, actor, session, now);
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
      const moved = await this.move(tx, actor.userId, session, 'under_review', 'reviewed', now, {
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
    await this.hooks.live?.(sessionStateMessage(moved));
    await this.bus.publish('review.verdict', published);
    return this.read(actor, sessionId, { audit: false });
  }

  /**
   * The student's one response to a provisional verdict: stored, and the review reopens
   * (reviewed → under_review) so the reviewer decides again, finally.
   */
  async respond(actor: Actor, sessionId: string, body: ReviewResponseBody): Promise<SessionReview> {
    const moved = await this.db.transaction(async (tx) => {
      const [session] = await tx
        .select()
        .from(examSessions)
        .where(eq(examSessions.id, sessionId))
        .for('update');
      if (!session || actor.role !== 'student' || session.studentId !== actor.userId) {
        throw errors.notFound('Session');
      }
      const review = await this.reviewRow(tx, sessionId, true);
      if (!hasVerdict(review)) throw errors.notFound('Review');
      if (review.response !== null) {
        throw errors.conflict('RESPONSE_ALREADY_SENT', 'You have already responded to this review');
      }
      const now = this.clock.now();
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
      return this.move(tx, actor.userId, session, 'reviewed', 'under_review', now, {
        reason: 'student response',
      });
    });
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
    const data = await loadReviewData(this.db, session, audience);
    if (audience === 'student' && !hasVerdict(data.review)) {
      throw errors.notFound('Review result');
    }
    const now = this.clock.now();
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
        rtcLinks: await sessionLinks(this.db, session.id),
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

  /**
   * The session under a row lock, for a reviewer of its exam (others: NOT_FOUND), in a state
   * that accepts decisions (else 409 REVIEW_NOT_OPEN). Serialised with flag re-judgement so a
   * verdict never races a new flag.
   */
  private async reviewableSession(tx: Tx, actor: Actor, sessionId: string): Promise<SessionRow> {
    if (actor.role === 'student') throw errors.forbidden('Only the exam’s staff review sessions');
    await lockInTransaction(tx, SESSION_FLAGS_LOCK, sessionId);
    const [session] = await tx
      .select()
      .from(examSessions)
      .where(eq(examSessions.id, sessionId))
      .for('update');
    if (!session) throw errors.notFound('Session');
    await loadExamFor(tx, actor, session.examId, 'read');
    const state = session.state as SessionState;
    if (!REVIEWABLE.includes(state)) {
      throw errors.conflict(
        'REVIEW_NOT_OPEN',
        state === 'reviewed'
          ? 'The verdict is given; the review reopens only if the student responds'
          : 'The attempt is not finished yet',
        { state },
      );
    }
    return session;
  }

  /**
   * Move a submitted or terminated session to under_review; the moved row, or null when it
   * already was under review.
   */
  private async startReview(
    tx: Tx,
    actor: Actor,
    session: SessionRow,
    now: Date,
  ): Promise<SessionRow | null> {
    const from = session.state as SessionState;
    if (from === 'under_review') return null;
    checkTransition(from, 'under_review', 'staff');
    // The recording is not checked here: the browser may still be delivering its backlog
    // (ingest stays open for the grace period); the evidence watchdog checks it once settled.
    return this.move(tx, actor.userId, session, from, 'under_review', now, {
      reason: 'review started',
    });
  }

  /** Change the (locked) session's state and audit it as a transition. */
  private async move(
    tx: Tx,
    actorId: string,
    session: SessionRow,
    from: SessionState,
    to: SessionState,
    now: Date,
    data: Record<string, unknown>,
  ): Promise<SessionRow> {
    const [updated] = await tx
      .update(examSessions)
      .set({ state: to, updatedAt: now })
      .where(and(eq(examSessions.id, session.id), eq(examSessions.state, from)))
      .returning();
    if (!updated)
      throw errors.conflict('CONFLICT', 'The session changed meanwhile; reload and retry');
    await appendAudit(
      tx,
      {
        actorId,
        action: 'session.transition',
        entityType: 'session',
        entityId: session.id,
        examId: session.examId,
        data: { from, to, ...data },
      },
      now,
    );
    return updated;
  }

  private async reviewRow(
    tx: Tx,
    sessionId: string,
    lock: boolean,
  ): Promise<ReviewRow | undefined> {
    const q = tx.select().from(sessionReviews).where(eq(sessionReviews.sessionId, sessionId));
    const [row] = lock ? await q.for('update') : await q;
    return row;
  }
}
