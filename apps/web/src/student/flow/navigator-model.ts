import type { AnswerValue } from '@invigil/contracts';

/** One question as the navigator shows it. */
export interface NavigatorItem {
  id: string;
  number: number;
  answered: boolean;
  marked: boolean;
  /** What a screen reader hears for the entry, e.g. "Question 3: answered, marked for review". */
  label: string;
}

/** Counts for the navigator's summary line. */
export interface NavigatorSummary {
  answered: number;
  unanswered: number;
  marked: number;
}

/**
 * Whether an answer says something: an empty text, an empty set of choices or a blank number
 * is not an answer yet, so the navigator keeps it among the unanswered ones.
 */
export function isAnswered(value: AnswerValue | undefined): boolean {
  if (value === undefined) return false;
  if ('text' in value) return value.text.trim().length > 0;
  if ('choices' in value) return value.choices.length > 0;
  return true;
}

/** The navigator's entries, in the order the questions are shown. */
export function navigatorItems(
  questions: readonly { id: string }[],
  answers: Readonly<Record<string, AnswerValue>>,
  marked: ReadonlySet<string>,
): NavigatorItem[] {
  return questions.map((q, i) => {
    const answered = isAnswered(answers[q.id]);
    const isMarked = marked.has(q.id);
    const state = [answered ? 'answered' : 'not answered', isMarked ? 'marked for review' : null]
      .filter(Boolean)
      .join(', ');
    return {
      id: q.id,
      number: i + 1,
      answered,
      marked: isMarked,
      label: `Question ${i + 1}: ${state}`,
    };
  });
}

/** How many questions are answered, unanswered and marked for review. */
export function summarize(items: readonly NavigatorItem[]): NavigatorSummary {
  const answered = items.filter((i) => i.answered).length;
  return {
    answered,
    unanswered: items.length - answered,
    marked: items.filter((i) => i.marked).length,
  };
}
