import type { AnswerValue, QuestionKind } from '@invigil/contracts';

/** The parts of a question that answering and scoring need. */
export interface ScorableQuestion {
  id: string;
  kind: QuestionKind;
  options: readonly string[];
  correctOption: number | null;
  points: number;
}

/** Why `value` is not an answer to `question`, or null when it is. */
export function answerProblem(question: ScorableQuestion, value: AnswerValue): string | null {
  if (question.kind === 'multiple_choice') {
    if (!('choice' in value)) return 'This is a multiple-choice question: send {choice: n}';
    if (value.choice >= question.options.length) {
      return `Choose an option from 0 to ${question.options.length - 1}`;
    }
    return null;
  }
  if (!('text' in value)) return 'This is a short-text question: send {text: "..."}';
  return null;
}

/** How one answer scored: `correct` and `points` are null where nothing is auto-scored. */
export interface ItemScore {
  questionId: string;
  correct: boolean | null;
  points: number | null;
}

/** An attempt's auto-score. */
export interface AttemptScore {
  score: number | null;
  maxScore: number | null;
  items: ItemScore[];
}

/**
 * Auto-score an attempt. Multiple choice earns its points when the chosen option is the right
 * one (unanswered or wrong earns 0). Short text is not auto-scored: its item has null
 * correctness and points, yet its points count toward `maxScore` so the maximum is the same
 * whoever grades it. An exam without questions has no score (null).
 */
export function scoreAnswers(
  questions: readonly ScorableQuestion[],
  answers: ReadonlyMap<string, AnswerValue>,
): AttemptScore {
  if (questions.length === 0) return { score: null, maxScore: null, items: [] };
  let score = 0;
  let maxScore = 0;
  const items = questions.map((q): ItemScore => {
    maxScore += q.points;
    if (q.kind !== 'multiple_choice') return { questionId: q.id, correct: null, points: null };
    const value = answers.get(q.id);
    const correct = value !== undefined && 'choice' in value && value.choice === q.correctOption;
    const points = correct ? q.points : 0;
    score += points;
    return { questionId: q.id, correct, points };
  });
  return { score, maxScore, items };
}
