import { describe, expect, it } from 'vitest';
import type { Question } from '@invigil/contracts';
import {
  countErrors,
  draftsToInput,
  moveItem,
  newDraft,
  questionToDraft,
  removeOption,
  sameAsSaved,
  serverErrorsToDrafts,
} from './questions-model';

const saved: Question = {
  id: '00000000-0000-4000-8000-000000000001',
  position: 0,
  kind: 'single_choice',
  prompt: '2 + 2 = ?',
  options: ['3', '4', '5'],
  correctOption: 1,
  correctOptions: null,
  numericAnswer: null,
  tolerance: null,
  points: 2,
};

describe('question set model', () => {
  it('round-trips a saved question into the same input', () => {
    const draft = questionToDraft(saved);
    expect(sameAsSaved([draft], [saved])).toBe(true);
    expect(draftsToInput([draft])).toEqual({
      ok: true,
      questions: [
        {
          kind: 'single_choice',
          prompt: '2 + 2 = ?',
          options: ['3', '4', '5'],
          correctOption: 1,
          points: 2,
        },
      ],
    });
    expect(sameAsSaved([{ ...draft, points: '3' }], [saved])).toBe(false);
  });

  it('finds every problem of a draft, keyed by the draft', () => {
    const blank = newDraft('single_choice');
    const text = { ...newDraft('short_text'), prompt: 'Explain', points: '101' };
    const result = draftsToInput([blank, text]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors[blank.key] ?? {}).sort()).toEqual([
      'correctOption',
      'options.0',
      'options.1',
      'prompt',
    ]);
    expect(Object.keys(result.errors[text.key] ?? {})).toEqual(['points']);
    expect(countErrors(result.errors)).toBe(5);
  });

  it('moves questions within bounds', () => {
    expect(moveItem(['a', 'b', 'c'], 0, 1)).toEqual(['b', 'a', 'c']);
    expect(moveItem(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(moveItem(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
  });

  it('keeps the right answer on its option when another is removed', () => {
    const draft = questionToDraft(saved);
    expect(removeOption(draft, 0)).toMatchObject({ options: ['4', '5'], correctOption: 0 });
    expect(removeOption(draft, 2)).toMatchObject({ options: ['3', '4'], correctOption: 1 });
    expect(removeOption(draft, 1)).toMatchObject({ options: ['3', '5'], correctOption: null });
  });

  it('attaches server errors to the question they name', () => {
    const a = questionToDraft(saved);
    const b = questionToDraft(saved);
    const errors = serverErrorsToDrafts(
      [
        { path: 'questions.1.correctOption', message: 'Out of range' },
        { path: 'questions', message: 'Too many' },
      ],
      [a, b],
    );
    expect(errors).toEqual({
      [b.key]: { correctOption: 'Out of range' },
      set: { questions: 'Too many' },
    });
  });

  it('converts each kind into its input and reports its own problems', () => {
    const multi = { ...newDraft('multiple_choice'), prompt: 'Primes?', options: ['2', '4', '5'] };
    const tf = { ...newDraft('true_false'), prompt: 'Flat?' };
    const num = { ...newDraft('numeric'), prompt: 'Pi?', numericAnswer: 'x', tolerance: '-1' };
    const bad = draftsToInput([multi, tf, num]);
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.errors[multi.key]).toEqual({ correctOptions: 'Tick at least one right answer.' });
    expect(Object.keys(bad.errors[tf.key] ?? {})).toEqual(['correctOption']);
    expect(Object.keys(bad.errors[num.key] ?? {}).sort()).toEqual(['numericAnswer', 'tolerance']);
    const essay = { ...newDraft('essay'), prompt: 'Discuss.', points: '5' };
    const good = draftsToInput([
      { ...multi, correctOptions: [2, 0] },
      { ...tf, correctOption: 1 },
      { ...num, numericAnswer: '3,14', tolerance: '0.01' },
      essay,
    ]);
    expect(good).toEqual({
      ok: true,
      questions: [
        {
          kind: 'multiple_choice',
          prompt: 'Primes?',
          options: ['2', '4', '5'],
          correctOptions: [0, 2],
          points: 1,
        },
        { kind: 'true_false', prompt: 'Flat?', answer: false, points: 1 },
        { kind: 'numeric', prompt: 'Pi?', answer: 3.14, tolerance: 0.01, points: 1 },
        { kind: 'essay', prompt: 'Discuss.', points: 5 },
      ],
    });
  });

  it('removes a ticked option from the right answers of multiple choice', () => {
    const draft = {
      ...newDraft('multiple_choice'),
      options: ['a', 'b', 'c'],
      correctOptions: [0, 2],
    };
    expect(removeOption(draft, 0).correctOptions).toEqual([1]);
    expect(removeOption(draft, 1).correctOptions).toEqual([0, 1]);
  });
});
