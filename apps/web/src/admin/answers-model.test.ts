import { describe, expect, it } from 'vitest';
import type { ScoredAnswers } from '@invigil/contracts';
import { answerTotals, itemResult } from './answers-model';

type Item = ScoredAnswers['items'][number];

const question = (kind: 'multiple_choice' | 'short_text', points: number) => ({
  id: '00000000-0000-4000-8000-000000000001',
  position: 0,
  kind,
  prompt: 'p',
  options: kind === 'multiple_choice' ? ['a', 'b'] : [],
  correctOption: kind === 'multiple_choice' ? 0 : null,
  points,
});
const item = (over: Partial<Item> & Pick<Item, 'question'>): Item => ({
  value: null,
  correct: null,
  points: null,
  updatedAt: null,
  ...over,
});

describe('answers view model', () => {
  const items = [
    item({
      question: question('multiple_choice', 2),
      value: { choice: 0 },
      correct: true,
      points: 2,
    }),
    item({
      question: question('multiple_choice', 3),
      value: { choice: 1 },
      correct: false,
      points: 0,
    }),
    item({ question: question('multiple_choice', 1), correct: false, points: 0 }),
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
      { label: 'Not scored automatically — up to 4 points', tone: 'open' },
    ]);
  });

  it('says only whether a question was answered when the key is withheld', () => {
    const keyless = { ...question('multiple_choice', 2), correctOption: null };
    expect(itemResult(item({ question: keyless, value: { choice: 1 } }))).toEqual({
      label: 'Answered',
      tone: 'open',
    });
    expect(itemResult(item({ question: keyless }))).toEqual({ label: 'No answer', tone: 'wrong' });
  });
});
