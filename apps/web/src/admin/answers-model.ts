import { MANUAL_KINDS, type ScoredAnswers } from '@invigil/contracts';

type Item = ScoredAnswers['items'][number];

/** Totals of an attempt's answers as they stand, split into auto-scored and hand-graded parts. */
export interface AnswerTotals {
  /** Points earned so far (auto-scored, plus grades given). */
  earned: number;
  /** Points of every question. */
  max: number;
  /** Short-text and essay questions and their points, which an instructor grades. */
  textCount: number;
  textPoints: number;
  answered: number;
}

/** Whether an item is graded by hand (short text, essay). */
export const isManual = (item: Item) => MANUAL_KINDS.includes(item.question.kind);

/** Adds up the items of a scored-answers view. */
export function answerTotals(items: readonly Item[]): AnswerTotals {
  const totals: AnswerTotals = { earned: 0, max: 0, textCount: 0, textPoints: 0, answered: 0 };
  for (const item of items) {
    totals.max += item.question.points;
    totals.earned += item.points ?? 0;
    if (item.value !== null) totals.answered += 1;
    if (isManual(item)) {
      totals.textCount += 1;
      totals.textPoints += item.question.points;
    }
  }
  return totals;
}

const pts = (n: number) => `${n} point${n === 1 ? '' : 's'}`;

/** The result line of one item: "Correct — 2 of 2 points", "Graded — 3 of 5 points"… */
export function itemResult(item: Item): { label: string; tone: 'right' | 'wrong' | 'open' } {
  const max = item.question.points;
  if (isManual(item)) {
    if (item.value === null) return { label: 'No answer', tone: 'wrong' };
    if (item.grade) {
      return { label: `Graded — ${item.grade.points} of ${pts(max)}`, tone: 'right' };
    }
    return { label: `Needs grading — up to ${pts(max)}`, tone: 'open' };
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
  if (earned > 0) return { label: `Partly right — ${earned} of ${pts(max)}`, tone: 'open' };
  return { label: `Wrong — 0 of ${pts(max)}`, tone: 'wrong' };
}

/** The student's answer to a numeric question as text, or null when it is not one. */
export const numberAnswer = (item: Item) =>
  item.value && 'number' in item.value ? String(item.value.number) : null;

/** Whether option `i` was chosen in the item's answer. */
export function chose(item: Item, i: number): boolean {
  const v = item.value;
  if (!v) return false;
  if ('choice' in v) return v.choice === i;
  if ('choices' in v) return v.choices.includes(i);
  return false;
}

/** Whether option `i` is a right one (false without the key). */
export function isRightOption(item: Item, i: number): boolean {
  const q = item.question;
  return q.correctOption === i || (q.correctOptions ?? []).includes(i);
}
