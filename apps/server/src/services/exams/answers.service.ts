import { and, eq } from 'drizzle-orm';
import type {
  AnswerValue,
  SavedAnswer,
  ScoredAnswers,
  StudentExamView,
  StudentQuestion,
} from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { answers, examSessions, exams, questions } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import { type Actor, requireRole } from '../accounts/actor.js';
import { holdsAnswerKey, withoutKey } from './answer-key.js';
import { answersOf, scoringInput } from './attempt-score.js';
import { ENDED_STATES, gradeOf, gradersOf } from './grading.service.js';
import { loadExamFor } from './exam-access.js';
import { effectiveDeadline, isTimeUp } from './exam-timing.js';
import { questionsOf, toQuestion } from './questions.service.js';
import { answerProblem, scoreAnswers } from './scoring.js';
import { expireIfDue, type SessionRow } from '../sessions/sessions.service.js';
import type { EmitLive } from '../live/live-feed.service.js';
import { iso, isoOrNull } from '../sessions/time.js';

/** States in which the student may open the exam; after submitting it is read-only. */
const VIEWABLE = ['in_progress', 'paused', 'submitted'];

function notActive(row: SessionRow, now: Date) {
  if (isTimeUp(row, now)) {
    return errors.conflict('EXAM_TIME_OVER', 'The time for this attempt is over', {
      deadlineAt: isoOrNull(row.deadlineAt),
    });
  }
  return errors.conflict(
    'SESSION_NOT_ACTIVE',
    row.state === 'paused'
      ? 'The proctor has paused this attempt; answers can be saved again once it resumes'
      : `Answers can only be saved while the attempt is in progress (it is ${row.state})`,
    { state: row.state },
  );
}

/** What the student sees and saves inside an attempt, and the scored answers for staff. */
export class AnswerService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Told when reading an attempt auto-submitted it, so dashboards hear of it at once. */
    private readonly live?: EmitLive,
  ) {}

  /** The student's own session, brought up to date with its deadline. Others' are 404. */
  private async ownSession(actor: Actor, id: string): Promise<SessionRow> {
    requireRole(actor, ['student']);
    const [row] = await this.db.select().from(examSessions).where(eq(examSessions.id, id));
    if (!row || row.studentId !== actor.userId) throw errors.notFound('Session');
    return expireIfDue(this.db, row, this.clock.now(), this.live);
  }

  /** The exam page of a running, paused or submitted attempt: never the right answers. */
  async examView(actor: Actor, sessionId: string): Promise<StudentExamView> {
    const row = await this.ownSession(actor, sessionId);
    if (!VIEWABLE.includes(row.state)) {
      throw errors.conflict(
        'SESSION_NOT_ACTIVE',
        `The exam opens once the attempt has started (it is ${row.state})`,
        { state: row.state },
      );
    }
    const now = this.clock.now();
    const [exam] = await this.db.select().from(exams).where(eq(exams.id, row.examId));
    if (!exam) throw errors.notFound('Exam');
    const list: StudentQuestion[] = (await questionsOf(this.db, row.examId)).map((q) => ({
      id: q.id,
      position: q.position,
      kind: q.kind,
      prompt: q.prompt,
      options: q.options,
      points: q.points,
    }));
    const saved = await answersOf(this.db, sessionId);
    return {
      sessionId,
      examId: row.examId,
      title: exam.title,
      state: row.state,
      externalUrl: exam.externalUrl,
      startedAt: isoOrNull(row.startedAt),
      deadlineAt: isoOrNull(effectiveDeadline(row, now)),
      serverNow: iso(now),
      questions: list,
      answers: Object.fromEntries([...saved].map(([id, a]) => [id, a.value])),
    };
  }

  /**
   * Autosave one answer (an idempotent upsert). Only while the attempt is in progress and
   * before its deadline; the session row is share-locked so a submit waits for the save.
   */
  async save(
    actor: Actor,
    sessionId: string,
    questionId: string,
    value: AnswerValue,
  ): Promise<SavedAnswer> {
    await this.ownSession(actor, sessionId);
    return this.db.transaction(async (tx) => {
      const now = this.clock.now();
      const [row] = await tx
        .select()
        .from(examSessions)
        .where(eq(examSessions.id, sessionId))
        .for('share');
      if (!row) throw errors.notFound('Session');
      if (row.state !== 'in_progress' || isTimeUp(row, now)) throw notActive(row, now);
      const [question] = await tx
        .select()
        .from(questions)
        .where(and(eq(questions.id, questionId), eq(questions.examId, row.examId)));
      if (!question) throw errors.notFound('Question');
      const problem = answerProblem(toQuestion(question), value);
      if (problem) throw errors.badRequest('INVALID_ANSWER', problem, { questionId });
      await tx
        .insert(answers)
        .values({ sessionId, questionId, value, updatedAt: now })
        .onConflictDoUpdate({
          target: [answers.sessionId, answers.questionId],
          set: { value, updatedAt: now },
        });
      return { questionId, value, savedAt: iso(now) };
    });
  }

  /**
   * Every question with the student's answer and its auto-score, for staff of the exam.
   * `score`/`maxScore` are those stored when the attempt was submitted (null before).
   * Proctors get the answers without the key or any scoring (see `holdsAnswerKey`).
   */
  async scored(actor: Actor, sessionId: string): Promise<ScoredAnswers> {
    const [found] = await this.db.select().from(examSessions).where(eq(examSessions.id, sessionId));
    if (!found) throw errors.notFound('Session');
    await loadExamFor(this.db, actor, found.examId, 'read');
    const row = await expireIfDue(this.db, found, this.clock.now(), this.live);
    const qs = await questionsOf(this.db, row.examId);
    const saved = await answersOf(this.db, sessionId);
    const { values, grades } = scoringInput(saved);
    const key = holdsAnswerKey(actor);
    const { items, pendingGrading } = scoreAnswers(qs, values, grades);
    const graders = await gradersOf(this.db, saved);
    return {
      answerKey: key,
      score: key ? row.score : null,
      maxScore: key ? row.maxScore : null,
      ended: ENDED_STATES.includes(row.state),
      pendingGrading: key ? pendingGrading : null,
      releasedAt: isoOrNull(row.scoreReleasedAt),
      items: qs.map((question, i) => {
        const answer = saved.get(question.id);
        return {
          question: key ? question : withoutKey(question),
          value: answer?.value ?? null,
          correct: key ? (items[i]?.correct ?? null) : null,
          points: key ? (items[i]?.points ?? null) : null,
          grade: key && answer ? gradeOf(answer, graders) : null,
          updatedAt: answer ? iso(answer.updatedAt) : null,
        };
      }),
    };
  }
}
