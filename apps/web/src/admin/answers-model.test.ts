import { describe, expect, it } from 'vitest';
import type { ScoredAnswers } from '@invigil/contracts';
import { answerTotals, itemResult } from './answers-model';

type Item = ScoredAnswers['items'][number];

type Kind = 'single_choice' | 'multiple_choice' | 'short_text' | 'essay';
const question = (kind: Kind, points: number): Item['question'] => ({
  id: '00000000-0000-4000-8000-000000000001',
  position: 0,
  kind,
  prompt: 'p',
  options: kind.endsWith('choice') ? ['a', 'b', 'c'] : [],
  correctOption: kind === 'single_choice' ? 0 : null,
  correctOptions: kind === 'multiple_choice' ? [0, 1] : null,
  numericAnswer: null,
  tolerance: null,
  points,
});
const item = (over: Partial<Item> & Pick<Item, 'question'>): Item => ({
  value: null,
  correct: null,
  points: null,
  grade: null,
  updatedAt: null,
  ...over,
});

describe('answers view model', () => {
  const items = [
    item({
      question: question('single_choice', 2),
      value: { choice: 0 },
      correct: true,
      points: 2,
    }),
    item({
      question: question('single_choice', 3),
      value: { choice: 1 },
      correct: false,
      points: 0,
    }),
    item({ question: question('single_choice', 1), correct: false, points: 0 }),
    item({ question: question('short_text', 4), value: { text: 'essay' } }),
  ];

  it('adds up earned, maximum and short-text points', () => {
    expect(answerTotals(items)).toEqual({
      earned: 2,
      max: 10,
      textCount: 1,
      textPoints: 4,
      answered: 3,
    });
  });

  it('describes each result', () => {
    expect(items.map((i) => itemResult(i))).toEqual([
      { label: 'Correct — 2 of 2 points', tone: 'right' },
      { label: 'Wrong — 0 of 3 points', tone: 'wrong' },
      { label: 'No answer — 0 of 1 point', tone: 'wrong' },
      { label: 'Needs grading — up to 4 points', tone: 'open' },
    ]);
  });

  it('describes partial credit and grades', () => {
    const multi = question('multiple_choice', 4);
    expect(
      itemResult(item({ question: multi, value: { choices: [0] }, correct: false, points: 2 })),
    ).toEqual({ label: 'Partly right — 2 of 4 points', tone: 'open' });
    const grade = { points: 3, comment: null, gradedBy: null, gradedAt: '2026-01-01T00:00:00Z' };
    const essay = question('essay', 5);
    expect(itemResult(item({ question: essay, value: { text: 'x' }, points: 3, grade }))).toEqual({
      label: 'Graded — 3 of 5 points',
      tone: 'right',
    });
    expect(itemResult(item({ question: essay }))).toEqual({ label: 'No answer', tone: 'wrong' });
    expect(
      answerTotals([item({ question: essay, value: { text: 'x' }, points: 3, grade })]),
    ).toMatchObject({ earned: 3, textCount: 1, textPoints: 5 });
  });

  it('says only whether a question was answered when the key is withheld', () => {
    const keyless = { ...question('single_choice', 2), correctOption: null };
    expect(itemResult(item({ question: keyless, value: { choice: 1 } }))).toEqual({
      label: 'Answered',
      tone: 'open',
    });
    expect(itemResult(item({ question: keyless }))).toEqual({ label: 'No answer', tone: 'wrong' });
  });
});
