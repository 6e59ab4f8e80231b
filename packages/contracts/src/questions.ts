import { z } from 'zod';
import { Id, Timestamp } from './common.js';

/**
 * Kinds of built-in questions. Choice, true/false and numeric questions are scored when the
 * attempt is submitted; short text and essays are graded by hand by the exam's instructors.
 * `multiple_choice` has one or more right options (partial credit, see `partialCredit`);
 * question sets stored before single choice existed were migrated to `single_choice`.
 */
export const QuestionKind = z.enum([
  'single_choice',
  'multiple_choice',
  'true_false',
  'numeric',
  'short_text',
  'essay',
]);
export type QuestionKind = z.infer<typeof QuestionKind>;

/** Kinds an instructor grades by hand. */
export const MANUAL_KINDS: readonly QuestionKind[] = ['short_text', 'essay'];

/** The two options of a true/false question, in this order (answer `{choice: 0}` is "True"). */
export const TRUE_FALSE_OPTIONS = ['True', 'False'] as const;

/** Largest magnitude of a numeric answer or tolerance (keeps doubles exact enough to compare). */
export const NUMERIC_LIMIT = 1e12;

const Prompt = z.string().trim().min(1).max(5000);
const Points = z.number().int().min(0).max(100).default(1);
const Options = z.array(z.string().trim().min(1).max(1000)).min(2).max(12);
const OptionIndex = z.number().int().min(0).max(11);
const Numeric = z.number().min(-NUMERIC_LIMIT).max(NUMERIC_LIMIT);

/**
 * A question as staff author it (PUT /api/exams/:id/questions replaces the whole set).
 * `multiple_choice` takes `correctOptions` (one or more); the earlier shape with a single
 * `correctOption` is still accepted and stored as `single_choice`, its meaning then.
 */
export const QuestionInput = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('single_choice'),
    prompt: Prompt,
    options: Options,
    correctOption: OptionIndex,
    points: Points,
  }),
  z.strictObject({
    kind: z.literal('multiple_choice'),
    prompt: Prompt,
    options: Options,
    /** The right options (distinct). Exactly one of this and the legacy `correctOption`. */
    correctOptions: z.array(OptionIndex).min(1).max(12).optional(),
    /** Deprecated: one right option; stored as a single-choice question. */
    correctOption: OptionIndex.optional(),
    points: Points,
  }),
  z.strictObject({
    kind: z.literal('true_false'),
    prompt: Prompt,
    /** Whether the statement is true. */
    answer: z.boolean(),
    points: Points,
  }),
  z.strictObject({
    kind: z.literal('numeric'),
    prompt: Prompt,
    answer: Numeric,
    /** Absolute: an answer within `answer ± tolerance` is right. */
    tolerance: z.number().min(0).max(NUMERIC_LIMIT).default(0),
    points: Points,
  }),
  z.strictObject({ kind: z.literal('short_text'), prompt: Prompt, points: Points }),
  z.strictObject({ kind: z.literal('essay'), prompt: Prompt, points: Points }),
]);
export type QuestionInput = z.input<typeof QuestionInput>;
export const QuestionSetBody = z.strictObject({ questions: z.array(QuestionInput).max(200) });

/**
 * A question as staff see it. The key fields are null where they do not apply, and for
 * proctors (only instructors and admins see the key).
 */
export const Question = z.object({
  id: Id,
  position: z.number().int(),
  kind: QuestionKind,
  prompt: z.string(),
  /** Choices in display order; `["True", "False"]` for true/false; empty otherwise. */
  options: z.array(z.string()),
  /** The right option of single choice and true/false. */
  correctOption: z.number().int().nullable(),
  /** The right options of multiple choice. */
  correctOptions: z.array(z.number().int()).nullable(),
  /** The right value of a numeric question, and its absolute tolerance. */
  numericAnswer: z.number().nullable(),
  tolerance: z.number().nullable(),
  points: z.number().int(),
});
export type Question = z.infer<typeof Question>;

/** A question as the student sees it (never the right answer). */
export const StudentQuestion = Question.omit({
  correctOption: true,
  correctOptions: true,
  numericAnswer: true,
  tolerance: true,
});
export type StudentQuestion = z.infer<typeof StudentQuestion>;

/**
 * An answer value: the chosen option (single choice, true/false), the chosen options
 * (multiple choice), a number (numeric) or free text (short text, essay).
 */
export const AnswerValue = z.union([
  z.strictObject({ choice: OptionIndex }),
  z.strictObject({ choices: z.array(OptionIndex).max(12) }),
  z.strictObject({ number: Numeric }),
  z.strictObject({ text: z.string().max(20_000) }),
]);
export type AnswerValue = z.infer<typeof AnswerValue>;

/**
 * Multiple-choice partial credit: points × max(0, right picks − wrong picks) / right options,
 * rounded down to whole points. All right and nothing wrong earns every point; each wrong pick
 * cancels a right one, so ticking every option earns nothing more than guessing.
 */
export function partialCredit(points: number, right: number, wrong: number, rightOptions: number) {
  if (rightOptions <= 0) return 0;
  return Math.floor((points * Math.max(0, right - wrong)) / rightOptions);
}

/** PUT /api/sessions/:id/answers/:questionId */
export const SaveAnswerBody = z.strictObject({ value: AnswerValue });
export const AnswerParams = z.strictObject({ id: Id, questionId: Id });

/** The stored answer, as returned by the autosave. */
export const SavedAnswer = z.object({ questionId: Id, value: AnswerValue, savedAt: Timestamp });
export type SavedAnswer = z.infer<typeof SavedAnswer>;

/** What the student's exam page loads: questions, saved answers, the deadline, an external URL. */
export const StudentExamView = z.object({
  sessionId: Id,
  examId: Id,
  title: z.string(),
  state: z.string(),
  externalUrl: z.string().nullable(),
  startedAt: Timestamp.nullable(),
  deadlineAt: Timestamp.nullable(),
  serverNow: Timestamp,
  questions: z.array(StudentQuestion),
  answers: z.record(z.string(), AnswerValue),
});
export type StudentExamView = z.infer<typeof StudentExamView>;

/** An instructor's grade of a hand-graded answer (short text, essay). */
export const AnswerGrade = z.object({
  points: z.number().int(),
  comment: z.string().nullable(),
  gradedBy: z.object({ id: Id, name: z.string() }).nullable(),
  gradedAt: Timestamp,
});
export type AnswerGrade = z.infer<typeof AnswerGrade>;

/**
 * A session's answers (GET /api/sessions/:id/answers), with the scoring for instructors and
 * admins. Proctors get the questions and the student's answers only (`answerKey: false`):
 * every key field, `correct`, `points`, `grade`, `score` and `maxScore` is null for them, as
 * any of these would give the key away.
 */
export const ScoredAnswers = z.object({
  /** Whether the right answers and the scoring are included. */
  answerKey: z.boolean(),
  /** Auto-scored points plus the grades given so far; null before the attempt ends. */
  score: z.number().int().nullable(),
  maxScore: z.number().int().nullable(),
  /** Whether the attempt has ended (submitted or later), so hand grading can start. */
  ended: z.boolean(),
  /** Answered short-text and essay items still without a grade (null without the key). */
  pendingGrading: z.number().int().nullable(),
  /** When the score was released to the student; null while it is not. */
  releasedAt: Timestamp.nullable(),
  items: z.array(
    z.object({
      question: Question,
      value: AnswerValue.nullable(),
      /** Full marks; false for partial credit; null where nothing is auto-scored. */
      correct: z.boolean().nullable(),
      /** Points earned: auto-scored, or the grade once given (null before). */
      points: z.number().int().nullable(),
      /** The instructor's grade of a short-text or essay answer. */
      grade: AnswerGrade.nullable(),
      updatedAt: Timestamp.nullable(),
    }),
  ),
});
export type ScoredAnswers = z.infer<typeof ScoredAnswers>;
