import { and, asc, eq, notInArray } from 'drizzle-orm';
import type { z } from 'zod';
import type { Question, QuestionKind, QuestionSetBody } from '@invigil/contracts';
import type { Db, DbOrTx } from '../db/database.js';
import { examSessions, exams, questions } from '../db/schema.js';
import { errors } from '../errors.js';
import type { Actor } from './actor.js';
import { holdsAnswerKey, withoutKey } from './answer-key.js';
import { appendAudit } from './audit.service.js';
import { loadExamFor } from './exam-access.js';
import { examEmptyError } from './exams.service.js';
import type { ScorableQuestion } from './scoring.js';

type QuestionRow = typeof questions.$inferSelect;

/** The validated body of PUT /api/exams/:id/questions (defaults applied). */
export type QuestionSet = z.output<typeof QuestionSetBody>;

/** API view of a question row, right answer included (staff only). */
export function toQuestion(row: QuestionRow): Question & ScorableQuestion {
  return {
    id: row.id,
    position: row.position,
    kind: row.kind as QuestionKind,
    prompt: row.prompt,
    options: Array.isArray(row.options) ? (row.options as string[]) : [],
    correctOption: row.correctOption,
    points: row.points,
  };
}

/** An exam's questions in order. */
export async function questionsOf(db: DbOrTx, examId: string) {
  const rows = await db
    .select()
    .from(questions)
    .where(eq(questions.examId, examId))
    .orderBy(asc(questions.position));
  return rows.map(toQuestion);
}

/** Session states before the attempt has begun; any other state locks the question set. */
const NOT_STARTED = ['registered', 'checking_in'];

/** Every place a question set is inconsistent beyond what the schema checks. */
export function questionSetProblems(set: QuestionSet): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  set.questions.forEach((q, i) => {
    if (q.kind === 'multiple_choice' && q.correctOption >= q.options.length) {
      problems.push({
        path: `questions.${i}.correctOption`,
        message: `Must be one of the ${q.options.length} options (0 to ${q.options.length - 1})`,
      });
    }
  });
  return problems;
}

/** The built-in question sets of exams, authored by staff. */
export class QuestionService {
  constructor(private readonly db: Db) {}

  /**
   * The questions, for staff who may read the exam: with their right answers for those who
   * hold the key (instructors, admins), without for proctors.
   */
  async list(actor: Actor, examId: string): Promise<Question[]> {
    await loadExamFor(this.db, actor, examId, 'read');
    const list = await questionsOf(this.db, examId);
    return holdsAnswerKey(actor) ? list : list.map(withoutKey);
  }

  /**
   * Replace the whole set in one transaction (positions follow the array order). Refused once
   * any attempt has started, so every student answers the same questions and no saved answer
   * ever points at a question that changed; emptying a published exam without an external
   * exam page is refused too (409 EXAM_EMPTY).
   */
  async replace(actor: Actor, examId: string, body: QuestionSet): Promise<Question[]> {
    return this.db.transaction(async (tx) => {
      await loadExamFor(tx, actor, examId, 'manage');
      const problems = questionSetProblems(body);
      if (problems.length > 0) {
        const message = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
        throw errors.validation(message, problems);
      }
      // Lock the exam row: an attempt starting now waits for this set (it takes a share lock).
      const [exam] = await tx.select().from(exams).where(eq(exams.id, examId)).for('update');
      if (!exam) throw errors.notFound('Exam');
      if (exam.status === 'archived') {
        throw errors.conflict('EXAM_ARCHIVED', 'This exam is archived and can no longer change');
      }
      const [started] = await tx
        .select({ id: examSessions.id })
        .from(examSessions)
        .where(and(eq(examSessions.examId, examId), notInArray(examSessions.state, NOT_STARTED)))
        .limit(1);
      if (started) {
        throw errors.conflict(
          'QUESTIONS_LOCKED',
          'An attempt at this exam has started; its questions can no longer change',
        );
      }
      // A published exam keeps something to answer: its questions or its external page.
      if (body.questions.length === 0 && exam.status === 'published' && !exam.externalUrl) {
        throw examEmptyError('questions');
      }
      await tx.delete(questions).where(eq(questions.examId, examId));
      if (body.questions.length > 0) {
        await tx.insert(questions).values(
          body.questions.map((q, position) => ({
            examId,
            position,
            kind: q.kind,
            prompt: q.prompt,
            options: q.kind === 'multiple_choice' ? q.options : [],
            correctOption: q.kind === 'multiple_choice' ? q.correctOption : null,
            points: q.points,
          })),
        );
      }
      await appendAudit(tx, {
        actorId: actor.userId,
        action: 'exam.questions.replace',
        entityType: 'exam',
        entityId: examId,
        examId,
        data: {
          count: body.questions.length,
          points: body.questions.reduce((sum, q) => sum + q.points, 0),
        },
      });
      return questionsOf(tx, examId);
    });
  }
}
