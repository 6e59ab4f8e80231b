import type { LtiViolationGrade } from '@invigil/contracts';
import type { AttemptScore } from '../exams/scoring.js';

/** The comment sent with a score when the review found a violation (`score_with_comment`, `zero`). */
export const VIOLATION_COMMENT =
  'The proctoring review of this attempt found a violation of the exam rules.';

/** What goes to the gradebook for one attempt. */
export type GradePlan =
  | { kind: 'withhold'; scoreGiven: null; scoreMaximum: number | null; comment: string | null }
  | {
      kind: 'send';
      /** Null: no score yet (answers wait for a grade) or none to give (no scored questions). */
      scoreGiven: number | null;
      scoreMaximum: number | null;
      comment: string | null;
      gradingProgress: 'FullyGraded' | 'PendingManual';
    };

/**
 * The grade of an attempt after its verdict. "clean" and "suspicious" send the score; a
 * "violation" does what the exam's policy says: nothing (`withhold`), 0 (`zero`, with the
 * comment) or the score with the comment (`score_with_comment`). A score with answers still
 * waiting for a hand grade goes as PendingManual without a number; an exam without scored
 * questions reports completion only.
 */
export function planGrade(
  verdict: 'clean' | 'suspicious' | 'violation',
  onViolation: LtiViolationGrade,
  score: Pick<AttemptScore, 'score' | 'maxScore' | 'pendingGrading'>,
): GradePlan {
  const maximum = score.maxScore !== null && score.maxScore > 0 ? score.maxScore : null;
  const violation = verdict === 'violation';
  if (violation && onViolation === 'withhold') {
    return { kind: 'withhold', scoreGiven: null, scoreMaximum: maximum, comment: null };
  }
  const comment = violation ? VIOLATION_COMMENT : null;
  if (violation && onViolation === 'zero') {
    return {
      kind: 'send',
      scoreGiven: 0,
      scoreMaximum: maximum ?? 100,
      comment,
      gradingProgress: 'FullyGraded',
    };
  }
  if (maximum === null || score.score === null) {
    return {
      kind: 'send',
      scoreGiven: null,
      scoreMaximum: null,
      comment,
      gradingProgress: 'FullyGraded',
    };
  }
  if (score.pendingGrading > 0) {
    return {
      kind: 'send',
      scoreGiven: null,
      scoreMaximum: maximum,
      comment,
      gradingProgress: 'PendingManual',
    };
  }
  return {
    kind: 'send',
    scoreGiven: score.score,
    scoreMaximum: maximum,
    comment,
    gradingProgress: 'FullyGraded',
  };
}
