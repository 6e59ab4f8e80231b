import { z } from 'zod';
import { Id, Timestamp } from './common.js';

/** Kinds of built-in questions. */
export const QuestionKind = z.enum(['multiple_choice', 'short_text']);
export type QuestionKind = z.infer<typeof QuestionKind>;

/** A question as staff author it (PUT /api/exams/:id/questions replaces the whole set). */
export const QuestionInput = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('multiple_choice'),
    prompt: z.string().trim().min(1).max(5000),
    options: z.array(z.string().trim().min(1).max(1000)).min(2).max(12),
    correctOption: z.number().int().min(0).max(11),
    points: z.number().int().min(0).max(100).default(1),
  }),
  z.strictObject({
    kind: z.literal('short_text'),
    prompt: z.string().trim().min(1).max(5000),
    points: z.number().int().min(0).max(100).default(1),
  }),
]);
export type QuestionInput = z.input<typeof QuestionInput>;
export const QuestionSetBody = z.strictObject({ questions: z.array(QuestionInput).max(200) });

/** A question as staff see it (with the right answer). */
export const Question = z.object({
  id: Id,
  position: z.number().int(),
  kind: QuestionKind,
  prompt: z.string(),
  options: z.array(z.string()),
  /** The right option; null for short text, and for proctors (only instructors and admins see the key). */
  correctOption: z.number().int().nullable(),
  points: z.number().int(),
});
export type Question = z.infer<typeof Question>;

/** A question as the student sees it (never the right answer). */
export const StudentQuestion = Question.omit({ correctOption: true });
export type StudentQuestion = z.infer<typeof StudentQuestion>;

/** An answer value: the chosen option, or free text. */
export const AnswerValue = z.union([
  z.strictObject({ choice: z.number().int().min(0).max(11) }),
  z.strictObject({ text: z.string().max(20_000) }),
]);
export type AnswerValue = z.infer<typeof AnswerValue>;

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

/**
 * A session's answers (GET /api/sessions/:id/answers), with the scoring for instructors and
 * admins. Proctors get the questions and the student's answers only (`answerKey: false`):
 * every `correctOption`, `correct`, `points`, `score` and `maxScore` is null for them, as
 * any of these would give the key away.
 */
export const ScoredAnswers = z.object({
  /** Whether the right answers and the scoring are included. */
  answerKey: z.boolean(),
  score: z.number().int().nullable(),
  maxScore: z.number().int().nullable(),
  items: z.array(
    z.object({
      question: Question,
      value: AnswerValue.nullable(),
      correct: z.boolean().nullable(),
      points: z.number().int().nullable(),
      updatedAt: Timestamp.nullable(),
    }),
  ),
});
export type ScoredAnswers = z.infer<typeof ScoredAnswers>;
