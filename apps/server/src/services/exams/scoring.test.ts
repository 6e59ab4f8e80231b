import { describe, expect, it } from 'vitest';
import { type AnswerValue, partialCredit } from '@invigil/contracts';
import {
  answerProblem,
  autoScore,
  scoreAnswers,
  withinTolerance,
  type ScorableQuestion,
} from './scoring.js';

/** A question with no key; overrides give the kind and the key. */
function buildQuestion(overrides: Partial<ScorableQuestion>): ScorableQuestion {
  return {
    id: 'q',
    kind: 'single_choice',
    options: ['a', 'b', 'c'],
    correctOption: null,
    correctOptions: null,
    numericAnswer: null,
    tolerance: null,
    points: 1,
    ...overrides,
  };
}
const single = (id: string, correctOption: number, points = 1) =>
  buildQuestion({ id, correctOption, points });
const multi = (id: string, correctOptions: number[], points = 1) =>
  buildQuestion({
    id,
    kind: 'multiple_choice',
    options: ['a', 'b', 'c', 'd'],
    correctOptions,
    points,
  });
const numeric = (id: string, numericAnswer: number, tolerance: number, points = 1) =>
  buildQuestion({ id, kind: 'numeric', options: [], numericAnswer, tolerance, points });
const text = (id: string, points = 1, kind: 'short_text' | 'essay' = 'short_text') =>
  buildQuestion({ id, kind, options: [], points });

describe('answerProblem', () => {
  it('accepts the value shape of each kind', () => {
    expect(answerProblem(single('q', 0), { choice: 2 })).toBeNull();
    expect(answerProblem(multi('q', [0]), { choices: [0, 3] })).toBeNull();
    expect(answerProblem(multi('q', [0]), { choices: [] })).toBeNull();
    expect(answerProblem(numeric('q', 1, 0), { number: -2.5 })).toBeNull();
    expect(answerProblem(text('q'), { text: '' })).toBeNull();
    expect(answerProblem(text('q', 1, 'essay'), { text: 'long' })).toBeNull();
  });

  it('refuses options out of range, repeated options and the wrong shape', () => {
    expect(answerProblem(single('q', 0), { choice: 3 })).toMatch(/0 to 2/);
    expect(answerProblem(multi('q', [0]), { choices: [4] })).toMatch(/0 to 3/);
    expect(answerProblem(multi('q', [0]), { choices: [1, 1] })).toMatch(/once/);
    expect(answerProblem(single('q', 0), { text: 'b' })).toMatch(/single-choice/);
    expect(answerProblem(multi('q', [0]), { choice: 0 })).toMatch(/multiple-choice/);
    expect(answerProblem(numeric('q', 1, 0), { text: '1' })).toMatch(/numeric/);
    expect(answerProblem(text('q'), { choice: 0 })).toMatch(/short-text/);
    expect(answerProblem(text('q', 1, 'essay'), { number: 1 })).toMatch(/essay/);
  });
});

describe('partialCredit', () => {
  it('gives points × (right − wrong) / right options, rounded down, never below 0', () => {
    // 3 right options, 4 points.
    expect(partialCredit(4, 3, 0, 3)).toBe(4);
    expect(partialCredit(4, 2, 0, 3)).toBe(2); // 8/3 = 2.67 → 2
    expect(partialCredit(4, 1, 0, 3)).toBe(1); // 4/3 → 1
    expect(partialCredit(4, 3, 1, 3)).toBe(2); // a wrong pick cancels a right one
    expect(partialCredit(4, 1, 2, 3)).toBe(0); // more wrong than right: 0, not negative
    expect(partialCredit(4, 0, 0, 3)).toBe(0);
    expect(partialCredit(4, 0, 0, 0)).toBe(0);
  });
});

describe('withinTolerance', () => {
  it('accepts values within ± tolerance, edges included, and absorbs float rounding', () => {
    expect(withinTolerance(3.14, 3.14159, 0.01)).toBe(true);
    expect(withinTolerance(3.13159, 3.14159, 0.01)).toBe(true);
    expect(withinTolerance(3.13, 3.14159, 0.01)).toBe(false);
    expect(withinTolerance(0.1 + 0.2, 0.3, 0)).toBe(true);
    expect(withinTolerance(0.31, 0.3, 0)).toBe(false);
    expect(withinTolerance(-5, -5, 0)).toBe(true);
  });
});

describe('autoScore', () => {
  it('scores multiple choice with partial credit; full marks only when exact', () => {
    const q = multi('q', [0, 2], 3);
    expect(autoScore(q, { choices: [2, 0] })).toEqual({ correct: true, points: 3 });
    expect(autoScore(q, { choices: [0] })).toEqual({ correct: false, points: 1 });
    expect(autoScore(q, { choices: [0, 1] })).toEqual({ correct: false, points: 0 });
    expect(autoScore(q, { choices: [0, 1, 2, 3] })).toEqual({ correct: false, points: 0 });
    expect(autoScore(q, undefined)).toEqual({ correct: false, points: 0 });
  });

  it('scores true/false as a choice between option 0 (true) and 1 (false)', () => {
    const q = buildQuestion({ kind: 'true_false', options: ['True', 'False'], correctOption: 1 });
    expect(autoScore(q, { choice: 1 })).toEqual({ correct: true, points: 1 });
    expect(autoScore(q, { choice: 0 })).toEqual({ correct: false, points: 0 });
  });

  it('scores numeric answers against the tolerance', () => {
    const q = numeric('q', 9.81, 0.05, 2);
    expect(autoScore(q, { number: 9.8 })).toEqual({ correct: true, points: 2 });
    expect(autoScore(q, { number: 9.9 })).toEqual({ correct: false, points: 0 });
  });
});

describe('scoreAnswers', () => {
  it('adds auto-scores and grades; ungraded answered text is pending, unanswered text is 0', () => {
    const questions = [
      single('q1', 1, 2),
      multi('q2', [0, 1], 4),
      numeric('q3', 10, 0.5, 3),
      text('q4', 4),
      text('q5', 5, 'essay'),
      text('q6', 2, 'essay'),
    ];
    const answers = new Map<string, AnswerValue>([
      ['q1', { choice: 1 }],
      ['q2', { choices: [0] }],
      ['q3', { number: 10.4 }],
      ['q4', { text: 'an answer' }],
      ['q5', { text: 'an essay' }],
    ]);
    const ungraded = scoreAnswers(questions, answers);
    expect(ungraded).toMatchObject({ score: 2 + 2 + 3, maxScore: 20, pendingGrading: 2 });
    expect(ungraded.items).toEqual([
      { questionId: 'q1', correct: true, points: 2, needsGrading: false },
      { questionId: 'q2', correct: false, points: 2, needsGrading: false },
      { questionId: 'q3', correct: true, points: 3, needsGrading: false },
      { questionId: 'q4', correct: null, points: null, needsGrading: true },
      { questionId: 'q5', correct: null, points: null, needsGrading: true },
      { questionId: 'q6', correct: null, points: 0, needsGrading: false },
    ]);
    const graded = scoreAnswers(
      questions,
      answers,
      new Map([
        ['q4', 3],
        ['q5', 0],
      ]),
    );
    expect(graded).toMatchObject({ score: 10, maxScore: 20, pendingGrading: 0 });
    expect(graded.items[3]).toEqual({
      questionId: 'q4',
      correct: null,
      points: 3,
      needsGrading: false,
    });
  });

  it('has no score without questions, and 0 when nothing was answered', () => {
    expect(scoreAnswers([], new Map())).toEqual({
      score: null,
      maxScore: null,
      pendingGrading: 0,
      items: [],
    });
    expect(scoreAnswers([single('q', 0, 2)], new Map())).toMatchObject({ score: 0, maxScore: 2 });
  });
});
