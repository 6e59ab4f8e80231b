import {
  type AnswerValue,
  MANUAL_KINDS,
  type QuestionKind,
  partialCredit,
} from '@invigil/contracts';

/** The parts of a question that answering and scoring need. */
export interface ScorableQuestion {
  id: string;
  kind: QuestionKind;
  options: readonly string[];
  correctOption: number | null;
  correctOptions: readonly number[] | null;
  numericAnswer: number | null;
  tolerance: number | null;
  points: number;
}

const SHAPE: Record<QuestionKind, { field: string; hint: string }> = {
  single_choice: { field: 'choice', hint: 'a single-choice question: send {choice: n}' },
  true_false: { field: 'choice', hint: 'a true/false question: send {choice: 0} (true) or 1' },
  multiple_choice: { field: 'choices', hint: 'a multiple-choice question: send {choices: [n…]}' },
  numeric: { field: 'number', hint: 'a numeric question: send {number: x}' },
  short_text: { field: 'text', hint: 'a short-text question: send {text: "..."}' },
  essay: { field: 'text', hint: 'an essay question: send {text: "..."}' },
};

/** Why `value` is not an answer to `question`, or null when it is. */
export function answerProblem(question: ScorableQuestion, value: AnswerValue): string | null {
  const shape = SHAPE[question.kind];
  if (!(shape.field in value)) return `This is ${shape.hint}`;
  const last = question.options.length - 1;
  if ('choice' in value && value.choice > last) return `Choose an option from 0 to ${last}`;
  if ('choices' in value) {
    if (value.choices.some((c) => c > last)) return `Choose options from 0 to ${last}`;
    if (new Set(value.choices).size !== value.choices.length) return 'Choose each option once';
  }
  return null;
}

/**
 * Whether a numeric answer is within the tolerance. A relative epsilon absorbs binary
 * rounding, so 0.1 + 0.2 typed as 0.30000000000000004 still counts as 0.3 with tolerance 0.
 */
export function withinTolerance(value: number, answer: number, tolerance: number): boolean {
  const epsilon = 1e-9 * Math.max(1, Math.abs(answer));
  return Math.abs(value - answer) <= tolerance + epsilon;
}

/** How one answer scored: `correct` and `points` are null where nothing is scored yet. */
export interface ItemScore {
  questionId: string;
  /** Full marks; false for none or partial credit; null for hand-graded kinds. */
  correct: boolean | null;
  points: number | null;
  /** An answered short-text or essay item without a grade. */
  needsGrading: boolean;
}

/** An attempt's score. */
export interface AttemptScore {
  score: number | null;
  maxScore: number | null;
  /** Answered hand-graded items still without a grade. */
  pendingGrading: number;
  items: ItemScore[];
}

/** Auto-score one answer of a choice, true/false or numeric question (undefined: unanswered). */
export function autoScore(
  q: ScorableQuestion,
  value: AnswerValue | undefined,
): { correct: boolean; points: number } {
  const none = { correct: false, points: 0 };
  if (value === undefined) return none;
  if (q.kind === 'single_choice' || q.kind === 'true_false') {
    const correct = 'choice' in value && value.choice === q.correctOption;
    return { correct, points: correct ? q.points : 0 };
  }
  if (q.kind === 'multiple_choice') {
    if (!('choices' in value)) return none;
    const key = new Set(q.correctOptions ?? []);
    const right = value.choices.filter((c) => key.has(c)).length;
    const wrong = value.choices.length - right;
    const correct = key.size > 0 && right === key.size && wrong === 0;
    return { correct, points: partialCredit(q.points, right, wrong, key.size) };
  }
  if (q.kind === 'numeric') {
    if (!('number' in value) || q.numericAnswer === null) return none;
    const correct = withinTolerance(value.number, q.numericAnswer, q.tolerance ?? 0);
    return { correct, points: correct ? q.points : 0 };
  }
  return none;
}

/**
 * Score an attempt: choice, true/false and numeric answers automatically (unanswered or wrong
 * earns 0; multiple choice by `partialCredit`); short text and essays by the instructor's grade
 * in `grades`, or 0 when unanswered. An answered hand-graded item without a grade adds nothing
 * yet and counts in `pendingGrading`. Every question's points count toward `maxScore`, so the
 * maximum is the same whoever grades. An exam without questions has no score (null).
 */
export function scoreAnswers(
  questions: readonly ScorableQuestion[],
  answers: ReadonlyMap<string, AnswerValue>,
  grades: ReadonlyMap<string, number> = new Map(),
): AttemptScore {
  if (questions.length === 0) return { score: null, maxScore: null, pendingGrading: 0, items: [] };
  let score = 0;
  let maxScore = 0;
  let pendingGrading = 0;
  const items = questions.map((q): ItemScore => {
    maxScore += q.points;
    const value = answers.get(q.id);
    if (MANUAL_KINDS.includes(q.kind)) {
      const grade = grades.get(q.id);
      if (value === undefined)
        return { questionId: q.id, correct: null, points: 0, needsGrading: false };
      if (grade === undefined) {
        pendingGrading += 1;
        return { questionId: q.id, correct: null, points: null, needsGrading: true };
      }
      score += grade;
      return { questionId: q.id, correct: null, points: grade, needsGrading: false };
    }
    const { correct, points } = autoScore(q, value);
    score += points;
    return { questionId: q.id, correct, points, needsGrading: false };
  });
  return { score, maxScore, pendingGrading, items };
}
