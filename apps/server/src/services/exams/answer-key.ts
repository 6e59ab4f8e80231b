import type { Question } from '@invigil/contracts';
import type { Actor } from '../accounts/actor.js';

/**
 * Whether the caller may see an exam's answer key and anything derived from it (which
 * answers were right, points, scores): its instructors and admins. Proctors watch attempts
 * and see what students answered, never whether it was right — with a few students'
 * answers and scores the key is easy to work out, and a proctor is not who grades.
 * Per-exam access is checked separately (`loadExamFor`).
 */
export function holdsAnswerKey(actor: Actor): boolean {
  return actor.role === 'instructor' || actor.role === 'admin';
}

/** A question as someone without the key sees it: no right answer (as for short text). */
export function withoutKey<Q extends Question>(question: Q): Q {
  return {
    ...question,
    correctOption: null,
    correctOptions: null,
    numericAnswer: null,
    tolerance: null,
  };
}
