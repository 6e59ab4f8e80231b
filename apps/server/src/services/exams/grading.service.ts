import { and, eq, inArray, isNull } from 'drizzle-orm';
import {
  type AnswerGrade,
  type ExamGradesRelease,
  MANUAL_KINDS,
  type PersonRef,
  type StudentResult,
} from '@invigil/contracts';
import type { Db, DbOrTx, Tx } from '../../db/database.js';
import { answers, examSessions, exams, questions } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import { type Actor, requireRole } from '../accounts/actor.js';
import { answersOf, scoreSession, scoringInput, type StoredAnswer } from './attempt-score.js';
import { appendAudit } from '../audit/audit.service.js';
import { loadExamFor } from './exam-access.js';
import { peopleById } from '../accounts/people.js';
import { ENDED_STATES as ENDED } from '../sessions/session-access.js';
import { questionsOf } from './questions.service.js';
import { scoreAnswers } from './scoring.js';
import { iso, isoOrNull } from '../sessions/time.js';

/**
 * The ended states (one list, `sessions/session-access.ts`), widened to match stored state strings:
 * an ended attempt's answers are final and may be graded.
 */
export const ENDED_STATES: readonly string[] = ENDED;

/** Display names of the instructors who graded some of these answers. */
export function gradersOf(db: DbOrTx, saved: ReadonlyMap<string, StoredAnswer>) {
  return peopleById(
    db,
    [...saved.values()].map((a) => a.grade?.by ?? null),
  );
}

/** A stored answer's grade as the API shows it (null while ungraded). */
export function gradeOf(answer: StoredAnswer, graders: Map<string, PersonRef>): AnswerGrade | null {
  const g = answer.grade;
  if (!g) return null;
  return {
    points: g.points,
    comment: g.comment,
    gradedBy: g.by ? (graders.get(g.by) ?? null) : null,
    gradedAt: iso(g.at),
  };
}

const notEnded = (state: string) =>
  errors.conflict(
    'ATTEMPT_NOT_ENDED',
    `Answers are graded and scores released once the attempt has ended (it is ${state})`,
    { state },
  );

/**
 * Hand grading of short-text and essay answers by the exam's instructors (and admins), and the
 * release of scores to students. A grade updates the attempt's stored score at once; a score is
 * released only when nothing is left to grade, and grades may still be corrected afterwards
 * (the student then sees the corrected score). Every grade and release is audited.
 */
export class GradingService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /**
     * Told (after the commit) that an attempt's score changed by hand grading, so that a score
     * already sent elsewhere (a learning platform's gradebook) follows. It must not throw: the
     * grade is committed by then.
     */
    private readonly onScoreChanged: (sessionId: string) => Promise<void> = async () => {},
  ) {}

  /** The session row, locked, after checking the caller may manage its exam. */
  private async lockedSession(tx: Tx, actor: Actor, sessionId: string) {
    const [row] = await tx
      .select()
      .from(examSessions)
      .where(eq(examSessions.id, sessionId))
      .for('update');
    if (!row) throw errors.notFound('Session');
    await loadExamFor(tx, actor, row.examId, 'manage');
    return row;
  }

  /** Grade one answer (0 to the question's points) with an optional comment. */
  async grade(
    actor: Actor,
    sessionId: string,
    questionId: string,
    body: { points: number; comment: string | null },
  ): Promise<void> {
    const changed = await this.db.transaction(async (tx) => {
      const row = await this.lockedSession(tx, actor, sessionId);
      if (!ENDED_STATES.includes(row.state)) throw notEnded(row.state);
      const [question] = await tx
        .select()
        .from(questions)
        .where(and(eq(questions.id, questionId), eq(questions.examId, row.examId)));
      if (!question) throw errors.notFound('Question');
      if (!MANUAL_KINDS.includes(question.kind as never)) {
        throw errors.conflict(
          'QUESTION_AUTO_SCORED',
          'This question is scored automatically; only short-text and essay answers are graded by hand',
          { kind: question.kind },
        );
      }
      if (body.points > question.points) {
        throw errors.badRequest(
          'GRADE_OUT_OF_RANGE',
          `Give from 0 to ${question.points} points for this question`,
          { max: question.points },
        );
      }
      const [answer] = await tx
        .select()
        .from(answers)
        .where(and(eq(answers.sessionId, sessionId), eq(answers.questionId, questionId)));
      if (!answer) {
        throw errors.conflict(
          'NO_ANSWER_TO_GRADE',
          'The student did not answer this question; it scores 0 without a grade',
        );
      }
      const comment = body.comment || null;
      if (answer.gradePoints === body.points && answer.gradeComment === comment) return false;
      const now = this.clock.now();
      await tx
        .update(answers)
        .set({
          gradePoints: body.points,
          gradeComment: comment,
          gradedBy: actor.userId,
          gradedAt: now,
        })
        .where(and(eq(answers.sessionId, sessionId), eq(answers.questionId, questionId)));
      const { score, maxScore } = await scoreSession(tx, row.examId, sessionId);
      await tx
        .update(examSessions)
        .set({ score, maxScore, updatedAt: now })
        .where(eq(examSessions.id, sessionId));
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'answer.grade',
        entityType: 'session',
        entityId: sessionId,
        examId: row.examId,
        data: {
          questionId,
          points: body.points,
          previous: answer.gradePoints,
          comment,
          score,
          released: row.scoreReleasedAt !== null,
        },
      });
      return true;
    });
    if (changed) await this.onScoreChanged(sessionId);
  }

  /** Release one attempt's score to its student (409 GRADING_INCOMPLETE while any is ungraded). */
  async releaseSession(actor: Actor, sessionId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await this.lockedSession(tx, actor, sessionId);
      if (!ENDED_STATES.includes(row.state)) throw notEnded(row.state);
      if (row.scoreReleasedAt) return;
      const { score, maxScore, pendingGrading } = await scoreSession(tx, row.examId, sessionId);
      if (pendingGrading > 0) {
        throw errors.conflict(
          'GRADING_INCOMPLETE',
          `${pendingGrading} answer(s) still need a grade before the score can be released`,
          { pendingGrading },
        );
      }
      const now = this.clock.now();
      await tx
        .update(examSessions)
        .set({ scoreReleasedAt: now, score, maxScore, updatedAt: now })
        .where(eq(examSessions.id, sessionId));
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'session.score_release',
        entityType: 'session',
        entityId: sessionId,
        examId: row.examId,
        data: { score, maxScore },
      });
    });
  }

  /**
   * Release the scores of every ended attempt at an exam whose grading is complete; attempts
   * with answers still to grade are left out and counted, so the instructor can come back.
   * Superseded attempts (replaced by a new attempt) are neither released nor counted.
   */
  async releaseExam(actor: Actor, examId: string): Promise<ExamGradesRelease> {
    return this.db.transaction(async (tx) => {
      await loadExamFor(tx, actor, examId, 'manage');
      const rows = await tx
        .select()
        .from(examSessions)
        .where(
          and(
            eq(examSessions.examId, examId),
            inArray(examSessions.state, [...ENDED_STATES]),
            // A superseded attempt was replaced by a new one: its score is not the student's.
            isNull(examSessions.supersededAt),
          ),
        )
        .for('update');
      const result = { released: 0, pendingGrading: 0, alreadyReleased: 0 };
      const releasedIds: string[] = [];
      const now = this.clock.now();
      for (const row of rows) {
        if (row.scoreReleasedAt) {
          result.alreadyReleased += 1;
          continue;
        }
        const { score, maxScore, pendingGrading } = await scoreSession(tx, examId, row.id);
        if (pendingGrading > 0) {
          result.pendingGrading += 1;
          continue;
        }
        await tx
          .update(examSessions)
          .set({ scoreReleasedAt: now, score, maxScore, updatedAt: now })
          .where(and(eq(examSessions.id, row.id), isNull(examSessions.scoreReleasedAt)));
        releasedIds.push(row.id);
      }
      result.released = releasedIds.length;
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'exam.score_release',
        entityType: 'exam',
        entityId: examId,
        examId,
        data: { ...result, sessionIds: releasedIds },
      });
      return result;
    });
  }

  /**
   * The student's own result: only `released: false` until staff release it, and only the total
   * while the exam is still open (`itemsHiddenUntil` its close time): per-question marks would
   * give away the answer key to those still sitting it.
   */
  async studentResult(actor: Actor, sessionId: string): Promise<StudentResult> {
    requireRole(actor, ['student']);
    const [found] = await this.db
      .select({ s: examSessions, closesAt: exams.closesAt })
      .from(examSessions)
      .innerJoin(exams, eq(exams.id, examSessions.examId))
      .where(eq(examSessions.id, sessionId));
    if (!found || found.s.studentId !== actor.userId) throw errors.notFound('Session');
    const row = found.s;
    if (!row.scoreReleasedAt) {
      return {
        sessionId,
        released: false,
        releasedAt: null,
        score: null,
        maxScore: null,
        itemsHiddenUntil: null,
        items: [],
      };
    }
    // Open as the sessions service judges it: until `closes_at` (server clock).
    if (this.clock.now() < found.closesAt) {
      return {
        sessionId,
        released: true,
        releasedAt: isoOrNull(row.scoreReleasedAt),
        score: row.score,
        maxScore: row.maxScore,
        itemsHiddenUntil: iso(found.closesAt),
        items: [],
      };
    }
    const qs = await questionsOf(this.db, row.examId);
    const saved = await answersOf(this.db, sessionId);
    const { values, grades } = scoringInput(saved);
    const { items } = scoreAnswers(qs, values, grades);
    return {
      sessionId,
      released: true,
      releasedAt: isoOrNull(row.scoreReleasedAt),
      score: row.score,
      maxScore: row.maxScore,
      itemsHiddenUntil: null,
      items: qs.map((q, i) => ({
        questionId: q.id,
        position: q.position,
        kind: q.kind,
        prompt: q.prompt,
        options: q.options,
        maxPoints: q.points,
        value: saved.get(q.id)?.value ?? null,
        earned: items[i]?.points ?? 0,
        comment: saved.get(q.id)?.grade?.comment ?? null,
      })),
    };
  }
}
