import { and, desc, eq, inArray, isNotNull, or, sql } from 'drizzle-orm';
import { ProctoringPolicy, type LtiGradeSubmission } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import {
  examSessions,
  exams,
  ltiGradeSubmissions,
  ltiPlatforms,
  ltiResourceLinks,
  sessionReviews,
  userIdentities,
  users,
} from '../../db/schema.js';
import type { Clock } from '../../ports/clock.port.js';
import type { BusTopics, EventBus } from '../../ports/event-bus.port.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';
import { holdsAnswerKey } from '../exams/answer-key.js';
import { loadExamFor } from '../exams/exam-access.js';
import { scoreSession } from '../exams/attempt-score.js';
import { iso, isoOrNull } from '../sessions/time.js';
import { planGrade, type GradePlan } from './grade-plan.js';
import { callService, scoresUrl } from './service-client.js';
import { LTI_SCOPES, LtiServiceError, type LtiServiceTokens } from './service-tokens.js';

type LinkRow = typeof ltiResourceLinks.$inferSelect;
type PlatformRow = typeof ltiPlatforms.$inferSelect;
type SubmissionRow = typeof ltiGradeSubmissions.$inferSelect;

const SCORE_MEDIA_TYPE = 'application/vnd.ims.lis.v1.score+json';
const LINE_ITEM_MEDIA_TYPE = 'application/vnd.ims.lis.v2.lineitem+json';

/** Queues one send of a session's score (the `lti.grade` job); `key` de-duplicates. */
export type GradeDispatch = (sessionId: string, key: string) => Promise<void>;

/** Whether a link can take scores: the score scope, and a line item or the means to make one. */
export const canSendScores = (link: LinkRow): boolean =>
  link.agsScopes.includes(LTI_SCOPES.score) &&
  (link.lineItemUrl !== null ||
    (link.lineItemsUrl !== null && link.agsScopes.includes(LTI_SCOPES.lineItem)));

/**
 * Grades to learning platforms (LTI AGS 2.0): after a review verdict on an attempt reached
 * through a course placement, its score goes to the placement's gradebook column, or is
 * withheld, as the exam's policy says for a "violation" (planGrade). Each send is a job, retried
 * with backoff; `lti_grade_submissions` shows where each attempt's score stands.
 */
export class LtiGradePassback {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly tokens: LtiServiceTokens,
    private readonly dispatch: GradeDispatch,
  ) {}

  /** Listen for verdicts on the bus; the returned function stops listening. */
  start(bus: EventBus, onError: (error: unknown) => void): Promise<() => Promise<void>> {
    return bus.subscribe('review.verdict', (v) =>
      this.verdictGiven(v).then(() => undefined, onError),
    );
  }

  /**
   * A verdict was given: when the attempt came through a placement that takes scores, mark its
   * grade pending and queue its send. The placement is the newest-launched one of the exam
   * at a platform where the student has an account (their subject there names them).
   */
  async verdictGiven(v: BusTopics['review.verdict']): Promise<boolean> {
    const [session] = await this.db
      .select({ studentId: examSessions.studentId })
      .from(examSessions)
      .where(eq(examSessions.id, v.sessionId));
    if (!session) return false;
    const link = await this.linkFor(v.examId, session.studentId);
    if (!link) return false;
    const now = this.clock.now();
    const fresh = { status: 'pending', attempts: 0, lastError: null, updatedAt: now };
    await this.db
      .insert(ltiGradeSubmissions)
      .values({ sessionId: v.sessionId, linkId: link.id, ...fresh })
      .onConflictDoUpdate({
        target: ltiGradeSubmissions.sessionId,
        set: { linkId: link.id, ...fresh },
      });
    await this.dispatch(v.sessionId, `${v.sessionId}:${v.decidedAt}`);
    return true;
  }

  /**
   * An attempt's score changed by hand grading: a grade this attempt already has (sent, sent
   * as waiting for grading, failed or withheld) is planned and sent again, so the gradebook
   * follows the grading. Attempts without one (no verdict yet, or not reached by LTI) wait for
   * their verdict.
   */
  async scoreChanged(sessionId: string): Promise<boolean> {
    const now = this.clock.now();
    const [row] = await this.db
      .update(ltiGradeSubmissions)
      .set({ status: 'pending', attempts: 0, lastError: null, updatedAt: now })
      .where(eq(ltiGradeSubmissions.sessionId, sessionId))
      .returning({ sessionId: ltiGradeSubmissions.sessionId });
    if (!row) return false;
    await this.dispatch(sessionId, `${sessionId}:graded:${now.getTime()}`);
    return true;
  }

  /**
   * Queue again the failed sends of an exam, and the scores that went while answers waited for
   * a grade (its instructors and admins); how many.
   */
  async retryFailed(actor: Actor, examId: string): Promise<number> {
    await loadExamFor(this.db, actor, examId, 'manage');
    const now = this.clock.now();
    const rows = await this.db
      .update(ltiGradeSubmissions)
      .set({ status: 'pending', attempts: 0, updatedAt: now })
      .where(
        and(
          // Failed sends, and scores sent while answers waited for a grade (graded since, maybe).
          or(
            eq(ltiGradeSubmissions.status, 'failed'),
            and(eq(ltiGradeSubmissions.status, 'pending'), isNotNull(ltiGradeSubmissions.sentAt)),
          ),
          inArray(
            ltiGradeSubmissions.sessionId,
            this.db
              .select({ id: examSessions.id })
              .from(examSessions)
              .where(eq(examSessions.examId, examId)),
          ),
        ),
      )
      .returning({ sessionId: ltiGradeSubmissions.sessionId });
    for (const r of rows) await this.dispatch(r.sessionId, `${r.sessionId}:retry:${now.getTime()}`);
    return rows.length;
  }

  /**
   * One send of a session's grade (the job). Resolves when sent or withheld; throws the
   * platform's failure after recording it, for the queue to retry (`final`: no retry follows,
   * the grade shows as failed).
   */
  async send(sessionId: string, final: boolean): Promise<void> {
    const loaded = await this.load(sessionId);
    if (!loaded) return;
    const { row, link, platform, subject, examId, policy, verdict } = loaded;
    const score = await scoreSession(this.db, examId, sessionId);
    const plan = planGrade(verdict, policy.ltiViolationGrade, score);
    try {
      if (plan.kind === 'withhold') {
        // A score sent for an earlier verdict must not stay in the gradebook.
        if (row.sentAt) await this.post(platform, link, subject, clearing(), this.clock.now());
        await this.finish(row, 'withheld', { ...plan, scoreGiven: null }, verdict);
        return;
      }
      await this.post(platform, link, subject, plan, this.clock.now());
      await this.finish(
        row,
        plan.gradingProgress === 'FullyGraded' ? 'sent' : 'pending',
        plan,
        verdict,
      );
    } catch (error) {
      if (!(error instanceof LtiServiceError)) throw error;
      await this.failed(row, error.message, final, verdict);
      throw error;
    }
  }

  /** GET /api/exams/:id/lti's grades: every attempt's send; scores only for answer-key holders. */
  async forExam(actor: Actor, examId: string): Promise<LtiGradeSubmission[]> {
    const rows = await this.db
      .select({ g: ltiGradeSubmissions, studentId: users.id, studentName: users.name })
      .from(ltiGradeSubmissions)
      .innerJoin(examSessions, eq(examSessions.id, ltiGradeSubmissions.sessionId))
      .innerJoin(users, eq(users.id, examSessions.studentId))
      .where(eq(examSessions.examId, examId))
      .orderBy(users.name, desc(ltiGradeSubmissions.updatedAt));
    const scores = holdsAnswerKey(actor);
    return rows.map(({ g, studentId, studentName }) => ({
      sessionId: g.sessionId,
      linkId: g.linkId,
      studentId,
      studentName,
      status: g.status as LtiGradeSubmission['status'],
      scoreGiven: scores ? g.scoreGiven : null,
      scoreMaximum: scores ? g.scoreMaximum : null,
      comment: g.comment,
      attempts: g.attempts,
      lastError: g.lastError,
      sentAt: isoOrNull(g.sentAt),
      updatedAt: iso(g.updatedAt),
    }));
  }

  private async linkFor(examId: string, studentId: string): Promise<LinkRow | undefined> {
    const rows = await this.db
      .select({ link: ltiResourceLinks })
      .from(ltiResourceLinks)
      .innerJoin(ltiPlatforms, eq(ltiPlatforms.id, ltiResourceLinks.platformId))
      .innerJoin(
        userIdentities,
        and(eq(userIdentities.issuer, ltiPlatforms.issuer), eq(userIdentities.userId, studentId)),
      )
      .where(eq(ltiResourceLinks.examId, examId))
      .orderBy(desc(ltiResourceLinks.lastLaunchAt));
    return rows.map((r) => r.link).find(canSendScores);
  }

  private async load(sessionId: string) {
    const [found] = await this.db
      .select({
        row: ltiGradeSubmissions,
        link: ltiResourceLinks,
        platform: ltiPlatforms,
        examId: examSessions.examId,
        studentId: examSessions.studentId,
        policy: exams.policy,
        verdict: sessionReviews.verdict,
      })
      .from(ltiGradeSubmissions)
      .innerJoin(ltiResourceLinks, eq(ltiResourceLinks.id, ltiGradeSubmissions.linkId))
      .innerJoin(ltiPlatforms, eq(ltiPlatforms.id, ltiResourceLinks.platformId))
      .innerJoin(examSessions, eq(examSessions.id, ltiGradeSubmissions.sessionId))
      .innerJoin(exams, eq(exams.id, examSessions.examId))
      .leftJoin(sessionReviews, eq(sessionReviews.sessionId, ltiGradeSubmissions.sessionId))
      .where(eq(ltiGradeSubmissions.sessionId, sessionId));
    if (!found?.verdict) return undefined;
    const [identity] = await this.db
      .select({ subject: userIdentities.subject })
      .from(userIdentities)
      .where(
        and(
          eq(userIdentities.userId, found.studentId),
          eq(userIdentities.issuer, found.platform.issuer),
        ),
      );
    if (!identity) {
      await this.failed(
        found.row,
        'The student has no account at the platform',
        true,
        found.verdict,
      );
      return undefined;
    }
    const parsed = ProctoringPolicy.safeParse(found.policy ?? {});
    return {
      ...found,
      subject: identity.subject,
      verdict: found.verdict as 'clean' | 'suspicious' | 'violation',
      policy: parsed.success ? parsed.data : ProctoringPolicy.parse({}),
    };
  }

  /** POST the score to the link's line item (made first when the link has none yet). */
  private async post(
    platform: PlatformRow,
    link: LinkRow,
    userId: string,
    plan: Exclude<GradePlan, { kind: 'withhold' }> | ReturnType<typeof clearing>,
    at: Date,
  ) {
    const lineItemUrl = link.lineItemUrl ?? (await this.createLineItem(platform, link, plan));
    await callService(this.tokens, platform, {
      method: 'POST',
      url: scoresUrl(lineItemUrl),
      scopes: [LTI_SCOPES.score],
      accept: 'application/json',
      contentType: SCORE_MEDIA_TYPE,
      body: {
        userId,
        ...(plan.scoreGiven !== null && {
          scoreGiven: plan.scoreGiven,
          scoreMaximum: plan.scoreMaximum,
        }),
        ...(plan.comment && { comment: plan.comment }),
        activityProgress: 'Completed',
        gradingProgress: plan.gradingProgress,
        timestamp: at.toISOString(),
      },
    });
  }

  /** A gradebook column for a link that came without one (the platform lets the tool make it). */
  private async createLineItem(
    platform: PlatformRow,
    link: LinkRow,
    plan: { scoreMaximum: number | null },
  ): Promise<string> {
    if (!link.lineItemsUrl) throw new LtiServiceError('The placement has no gradebook column');
    const [exam] = await this.db
      .select({ title: exams.title })
      .from(exams)
      .where(eq(exams.id, link.examId));
    const res = await callService(this.tokens, platform, {
      method: 'POST',
      url: link.lineItemsUrl,
      scopes: [LTI_SCOPES.lineItem],
      accept: LINE_ITEM_MEDIA_TYPE,
      contentType: LINE_ITEM_MEDIA_TYPE,
      body: {
        label: link.title ?? exam?.title ?? 'Invigil exam',
        scoreMaximum: plan.scoreMaximum && plan.scoreMaximum > 0 ? plan.scoreMaximum : 100,
        resourceLinkId: link.resourceLinkId,
        resourceId: link.examId,
        tag: 'invigil',
      },
    });
    const body = (await res.json().catch(() => null)) as { id?: unknown } | null;
    if (typeof body?.id !== 'string') {
      throw new LtiServiceError('The platform made a gradebook column but did not say its URL');
    }
    await this.db
      .update(ltiResourceLinks)
      .set({ lineItemUrl: body.id })
      .where(eq(ltiResourceLinks.id, link.id));
    link.lineItemUrl = body.id;
    return body.id;
  }

  private async finish(
    row: SubmissionRow,
    status: 'sent' | 'withheld' | 'pending',
    plan: { scoreGiven: number | null; scoreMaximum: number | null; comment: string | null },
    verdict: string,
  ) {
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      await tx
        .update(ltiGradeSubmissions)
        .set({
          status,
          scoreGiven: plan.scoreGiven,
          scoreMaximum: plan.scoreMaximum,
          comment: plan.comment,
          attempts: sql`${ltiGradeSubmissions.attempts} + 1`,
          lastError:
            status === 'pending' ? 'Answers still need a grade: send again after grading' : null,
          ...(status !== 'withheld' && { sentAt: now }),
          updatedAt: now,
        })
        .where(eq(ltiGradeSubmissions.sessionId, row.sessionId));
      await appendAudit(
        tx,
        {
          actorId: null,
          action: 'lti.grade.send',
          entityType: 'session',
          entityId: row.sessionId,
          examId: await examOf(tx, row.sessionId),
          data: {
            status,
            verdict,
            linkId: row.linkId,
            scoreGiven: plan.scoreGiven,
            scoreMaximum: plan.scoreMaximum,
          },
        },
        now,
      );
    });
  }

  private async failed(row: SubmissionRow, message: string, final: boolean, verdict: string) {
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      await tx
        .update(ltiGradeSubmissions)
        .set({
          status: final ? 'failed' : 'pending',
          attempts: sql`${ltiGradeSubmissions.attempts} + 1`,
          lastError: message,
          updatedAt: now,
        })
        .where(eq(ltiGradeSubmissions.sessionId, row.sessionId));
      if (!final) return;
      await appendAudit(
        tx,
        {
          actorId: null,
          action: 'lti.grade.send',
          entityType: 'session',
          entityId: row.sessionId,
          examId: await examOf(tx, row.sessionId),
          data: { status: 'failed', verdict, linkId: row.linkId, error: message },
        },
        now,
      );
    });
  }
}

/** A score that empties the gradebook cell (AGS: no scoreGiven). */
const clearing = () => ({
  scoreGiven: null,
  scoreMaximum: null,
  comment: null,
  gradingProgress: 'PendingManual' as const,
});

async function examOf(tx: Pick<Db, 'select'>, sessionId: string): Promise<string | null> {
  const [row] = await tx
    .select({ examId: examSessions.examId })
    .from(examSessions)
    .where(eq(examSessions.id, sessionId));
  return row?.examId ?? null;
}
