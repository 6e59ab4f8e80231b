import { describe, expect, it } from 'vitest';
import type { AnswerValue } from '@invigil/contracts';
import { isAnswered, navigatorItems, summarize } from './navigator-model';

const questions = [{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }];

describe('question navigator model', () => {
  it.each<[string, AnswerValue | undefined, boolean]>([
    ['nothing saved', undefined, false],
    ['a blank text', { text: '   ' }, false],
    ['a text', { text: 'x' }, true],
    ['no choices ticked', { choices: [] }, false],
    ['a choice', { choice: 0 }, true],
    ['a number, zero included', { number: 0 }, true],
  ])('%s counts as answered: %s', (_, value, expected) => {
    expect(isAnswered(value)).toBe(expected);
  });

  it('numbers the questions in order and says their state for screen readers', () => {
    const items = navigatorItems(
      questions,
      { a: { text: 'yes' }, b: { choices: [] }, c: { choice: 1 } },
      new Set(['b', 'c']),
    );
    expect(items.map((i) => i.label)).toEqual([
      'Question 1: answered',
      'Question 2: not answered, marked for review',
      'Question 3: answered, marked for review',
      'Question 4: not answered',
    ]);
    expect(summarize(items)).toEqual({ answered: 2, unanswered: 2, marked: 2 });
  });

  it('ignores marks of questions that are not shown', () => {
    const items = navigatorItems(questions.slice(0, 1), {}, new Set(['z']));
    expect(summarize(items)).toEqual({ answered: 0, unanswered: 1, marked: 0 });
  });
});
