import type { ScoredAnswers } from '@invigil/contracts';

type Item = ScoredAnswers['items'][number];

/** Totals of an attempt's answers as they stand, split into auto-scored and short-text parts. */
export interface AnswerTotals {
  /** Points earned on multiple choice so far. */
  earned: number;
  /** Points of every question. */
  max: number;
  /** Short-text questions and their points, which need a human grader. */
  textCount: number;
  textPoints: number;
  answered: number;
}

/** Adds up the items of a scored-answers view. */
export function answerTotals(items: readonly Item[]): AnswerTotals {
  const totals: AnswerTotals = { earned: 0, max: 0, textCount: 0, textPoints: 0, answered: 0 };
  for (const item of items) {
    totals.max += item.question.points;
    totals.earned += item.points ?? 0;
    if (item.value !== null) totals.answered += 1;
    if (item.question.kind === 'short_text') {
      totals.textCount += 1;
      totals.textPoints += item.question.points;
    }
  }
  return totals;
}

const pts = (n: number) => `${n} point${n === 1 ? '' : 's'}`;

/** The result line of one item: "Correct — 2 of 2 points", "No answer — 0 of 1 point"… */
export function itemResult(item: Item): { label: string; tone: 'right' | 'wrong' | 'open' } {
  const max = item.question.points;
  if (item.question.kind === 'short_text') {
    return {
      label: item.value === null ? 'No answer' : `Not scored automatically — up to ${pts(max)}`,
      tone: item.value === null ? 'wrong' : 'open',
    };
  }
  // Without the answer key (proctors) the server sends no scoring at all.
  if (item.correct === null) {
    return item.value === null
      ? { label: 'No answer', tone: 'wrong' }
      : { label: 'Answered', tone: 'open' };
  }
  const earned = item.points ?? 0;
  if (item.value === null) return { label: `No answer — 0 of ${pts(max)}`, tone: 'wrong' };
  if (item.correct) return { label: `Correct — ${earned} of ${pts(max)}`, tone: 'right' };
  return { label: `Wrong — 0 of ${pts(max)}`, tone: 'wrong' };
}
