import { and, asc, eq, notInArray } from 'drizzle-orm';
import type { z } from 'zod';
import {
  type Question,
  type QuestionKind,
  type QuestionSetBody,
  TRUE_FALSE_OPTIONS,
} from '@invigil/contracts';
import type { Db, DbOrTx } from '../../db/database.js';
import { examSessions, exams, questions } from '../../db/schema.js';
import { errors } from '../../errors.js';
import type { Actor } from '../accounts/actor.js';
import { holdsAnswerKey, withoutKey } from './answer-key.js';
import { appendAudit } from '../audit/audit.service.js';
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
    correctOptions: Array.isArray(row.correctOptions) ? (row.correctOptions as number[]) : null,
    numericAnswer: row.numericAnswer,
    tolerance: row.numericTolerance,
    points: row.points,
  };
}

type StoredInput = QuestionSet['questions'][number];

/**
 * The columns of one authored question. A multiple-choice question sent in the earlier shape
 * (one `correctOption`) is stored as single choice, which is what it meant.
 */
export function questionColumns(q: StoredInput) {
  const none = { options: [] as string[], correctOption: null, correctOptions: null };
  const base = { prompt: q.prompt, points: q.points, numericAnswer: null, numericTolerance: null };
  switch (q.kind) {
    case 'single_choice':
      return {
        ...base,
        kind: q.kind,
        options: q.options,
        correctOption: q.correctOption,
        correctOptions: null,
      };
    case 'multiple_choice':
      if (q.correctOptions === undefined) {
        return {
          ...base,
          kind: 'single_choice',
          options: q.options,
          correctOption: q.correctOption ?? 0,
          correctOptions: null,
        };
      }
      return {
        ...base,
        kind: q.kind,
        options: q.options,
        correctOption: null,
        correctOptions: [...q.correctOptions].sort((a, b) => a - b),
      };
    case 'true_false':
      return {
        ...base,
        kind: q.kind,
        options: [...TRUE_FALSE_OPTIONS],
        correctOption: q.answer ? 0 : 1,
        correctOptions: null,
      };
    case 'numeric':
      return {
        ...base,
        ...none,
        kind: q.kind,
        numericAnswer: q.answer,
        numericTolerance: q.tolerance,
      };
    default:
      return { ...base, ...none, kind: q.kind };
  }
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
    const count = 'options' in q ? q.options.length : 0;
    const outOfRange = `Must be among the ${count} options (0 to ${count - 1})`;
    const at = (field: string) => `questions.${i}.${field}`;
    if (q.kind === 'single_choice' && q.correctOption >= q.options.length) {
      problems.push({ path: at('correctOption'), message: outOfRange });
    }
    if (q.kind === 'multiple_choice') {
      const { correctOption: one, correctOptions: many } = q;
      if ((one === undefined) === (many === undefined)) {
        problems.push({
          path: at('correctOptions'),
          message: 'Give the right options as correctOptions (one or more)',
        });
      } else if (one !== undefined && one >= q.options.length) {
        problems.push({ path: at('correctOption'), message: outOfRange });
      } else if (many?.some((c) => c >= q.options.length)) {
        problems.push({ path: at('correctOptions'), message: outOfRange });
      } else if (many && new Set(many).size !== many.length) {
        problems.push({ path: at('correctOptions'), message: 'List each right option once' });
      }
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
        await tx
          .insert(questions)
          .values(
            body.questions.map((q, position) => ({ examId, position, ...questionColumns(q) })),
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
