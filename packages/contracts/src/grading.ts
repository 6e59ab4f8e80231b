import { z } from 'zod';
import { Id, Timestamp } from './common.js';
import { AnswerValue, QuestionKind } from './questions.js';

/** PUT /api/sessions/:id/answers/:questionId/grade — points from 0 to the question's points. */
export const GradeBody = z.strictObject({
  points: z.number().int().min(0).max(100),
  comment: z.string().trim().max(5000).nullable().default(null),
});
export type GradeBody = z.input<typeof GradeBody>;

/** POST /api/exams/:id/grades/release — what releasing an exam's scores did. */
export const ExamGradesRelease = z.object({
  /** Sessions whose score was released now. */
  released: z.number().int(),
  /** Ended sessions left unreleased because answers still need a grade. */
  pendingGrading: z.number().int(),
  /** Sessions released earlier (unchanged). */
  alreadyReleased: z.number().int(),
});
export type ExamGradesRelease = z.infer<typeof ExamGradesRelease>;

/**
 * The student's own result (GET /api/sessions/:id/result). Until staff release it only
 * `released: false`; afterwards the score and, per question, their answer, the points earned
 * and any grader's comment — never the right answers (other students may sit the exam later).
 * While the exam's window is still open only the total is shown (`items` empty,
 * `itemsHiddenUntil` set): per-question marks of a released attempt would let students work
 * out the answer key for those still sitting.
 */
export const StudentResult = z.object({
  sessionId: Id,
  released: z.boolean(),
  releasedAt: Timestamp.nullable(),
  score: z.number().int().nullable(),
  maxScore: z.number().int().nullable(),
  /** The exam's close time while a released result's per-question items are withheld; else null. */
  itemsHiddenUntil: Timestamp.nullable(),
  items: z.array(
    z.object({
      questionId: Id,
      position: z.number().int(),
      kind: QuestionKind,
      prompt: z.string(),
      options: z.array(z.string()),
      /** The question's points. */
      maxPoints: z.number().int(),
      value: AnswerValue.nullable(),
      earned: z.number().int(),
      /** The grader's comment on a hand-graded answer. */
      comment: z.string().nullable(),
    }),
  ),
});
export type StudentResult = z.infer<typeof StudentResult>;
