import { describe, expect, it } from 'vitest';
import type { AnswerValue } from '@invigil/contracts';
import { answerProblem, scoreAnswers, type ScorableQuestion } from './scoring.js';

const mc = (id: string, correctOption: number, points = 1): ScorableQuestion => ({
  id,
  kind: 'multiple_choice',
  options: ['a', 'b', 'c'],
  correctOption,
  points,
});
const text = (id: string, points = 1): ScorableQuestion => ({
  id,
  kind: 'short_text',
  options: [],
  correctOption: null,
  points,
});

describe('answerProblem', () => {
  it('accepts a choice in range for multiple choice and text for short text', () => {
    expect(answerProblem(mc('q', 0), { choice: 2 })).toBeNull();
    expect(answerProblem(text('q'), { text: '' })).toBeNull();
  });

  it('refuses an option out of range and the wrong kind of value', () => {
    expect(answerProblem(mc('q', 0), { choice: 3 })).toMatch(/0 to 2/);
    expect(answerProblem(mc('q', 0), { text: 'b' })).toMatch(/multiple-choice/);
    expect(answerProblem(text('q'), { choice: 0 })).toMatch(/short-text/);
  });
});

describe('scoreAnswers', () => {
  it('sums the points of right choices; the maximum counts every question', () => {
    const questions = [mc('q1', 1, 2), mc('q2', 0, 3), mc('q3', 2, 5), text('q4', 4)];
    const answers = new Map<string, AnswerValue>([
      ['q1', { choice: 1 }],
      ['q2', { choice: 2 }],
      ['q4', { text: 'an essay' }],
    ]);
    const result = scoreAnswers(questions, answers);
    expect(result.score).toBe(2);
    expect(result.maxScore).toBe(14);
    expect(result.items).toEqual([
      { questionId: 'q1', correct: true, points: 2 },
      { questionId: 'q2', correct: false, points: 0 },
      { questionId: 'q3', correct: false, points: 0 },
      { questionId: 'q4', correct: null, points: null },
    ]);
  });

  it('has no score without questions, and 0 when nothing was answered', () => {
    expect(scoreAnswers([], new Map())).toEqual({ score: null, maxScore: null, items: [] });
    expect(scoreAnswers([mc('q', 0, 2)], new Map())).toMatchObject({ score: 0, maxScore: 2 });
  });
});
