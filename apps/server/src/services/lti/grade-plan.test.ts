import { describe, expect, it } from 'vitest';
import { planGrade, VIOLATION_COMMENT } from './grade-plan.js';

const graded = { score: 7, maxScore: 10, pendingGrading: 0 };

describe('planGrade', () => {
  it('sends the score of a clean or suspicious attempt, fully graded', () => {
    for (const verdict of ['clean', 'suspicious'] as const) {
      expect(planGrade(verdict, 'zero', graded)).toEqual({
        kind: 'send',
        scoreGiven: 7,
        scoreMaximum: 10,
        comment: null,
        gradingProgress: 'FullyGraded',
      });
    }
  });

  it('does what the policy says for a violation', () => {
    expect(planGrade('violation', 'withhold', graded)).toMatchObject({
      kind: 'withhold',
      scoreGiven: null,
    });
    expect(planGrade('violation', 'zero', graded)).toMatchObject({
      kind: 'send',
      scoreGiven: 0,
      scoreMaximum: 10,
      comment: VIOLATION_COMMENT,
      gradingProgress: 'FullyGraded',
    });
    expect(planGrade('violation', 'score_with_comment', graded)).toMatchObject({
      kind: 'send',
      scoreGiven: 7,
      comment: VIOLATION_COMMENT,
    });
  });

  it('sends no number while answers wait for a hand grade (zero needs none)', () => {
    const pending = { score: 3, maxScore: 10, pendingGrading: 2 };
    expect(planGrade('clean', 'withhold', pending)).toMatchObject({
      scoreGiven: null,
      scoreMaximum: 10,
      gradingProgress: 'PendingManual',
    });
    expect(planGrade('violation', 'zero', pending)).toMatchObject({
      scoreGiven: 0,
      gradingProgress: 'FullyGraded',
    });
  });

  it('reports only completion for an exam without scored questions', () => {
    const none = { score: null, maxScore: null, pendingGrading: 0 };
    expect(planGrade('clean', 'withhold', none)).toMatchObject({
      kind: 'send',
      scoreGiven: null,
      scoreMaximum: null,
    });
    // Zero still needs a maximum for the gradebook.
    expect(planGrade('violation', 'zero', none)).toMatchObject({
      scoreGiven: 0,
      scoreMaximum: 100,
    });
  });
});
