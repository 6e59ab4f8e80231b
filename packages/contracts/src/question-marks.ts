import { z } from 'zod';
import { Id, Timestamp } from './common.js';

/**
 * PUT /api/sessions/:id/marks/:questionId — the student marks a question for review (to come
 * back to it) or clears the mark. Idempotent; answered or not does not matter.
 */
export const SetQuestionMarkBody = z.strictObject({ marked: z.boolean() });
export type SetQuestionMarkBody = z.infer<typeof SetQuestionMarkBody>;

/** One question's mark as stored (`markedAt` null when cleared). */
export const QuestionMark = z.object({
  questionId: Id,
  marked: z.boolean(),
  markedAt: Timestamp.nullable(),
});
export type QuestionMark = z.infer<typeof QuestionMark>;

/**
 * GET /api/sessions/:id/marks — the questions marked for review in an attempt, for the student
 * (to restore the navigator after a reload) and the exam's staff (what the student doubted).
 */
export const QuestionMarks = z.object({ marks: z.array(QuestionMark.omit({ marked: true })) });
export type QuestionMarks = z.infer<typeof QuestionMarks>;
