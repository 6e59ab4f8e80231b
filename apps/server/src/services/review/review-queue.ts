import { and, eq, inArray, sql } from 'drizzle-orm';
import type { FlagCounts, ReviewQueueEntry, SessionState, Verdict } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { examSessions, flags, sessionReviews, sessionRisk, users } from '../../db/schema.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Actor } from '../accounts/actor.js';
import { loadExamFor } from '../exams/exam-access.js';
import { toSession } from '../sessions/sessions.service.js';
import { isoOrNull } from '../sessions/time.js';
import { hasVerdict, isFinal } from './review-read.js';

/** Finished attempts: the ones a review queue lists. */
const FINISHED: readonly SessionState[] = ['submitted', 'terminated', 'under_review', 'reviewed'];

/**
 * The exam's finished sessions, ordered for reviewing: responses awaiting re-review first
 * (oldest response first), then sessions without a verdict by risk, then the rest by risk.
 * Read-only, so it needs no transaction and none of the review's state changes.
 */
export async function reviewQueue(
  db: Db,
  clock: Clock,
  actor: Actor,
  examId: string,
): Promise<ReviewQueueEntry[]> {
  await loadExamFor(db, actor, examId, 'read');
  const rows = await db
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
    const grouped = await db
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
  const now = clock.now();
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
