import type { Question, QuestionInput, QuestionKind } from '@invigil/contracts';

/** Limits of a question set, as the API enforces them. */
export const LIMITS = {
  questions: 200,
  prompt: 5000,
  option: 1000,
  minOptions: 2,
  maxOptions: 12,
  maxPoints: 100,
} as const;

/** A question as edited: `key` identifies it across reorders; inputs hold strings. */
export interface DraftQuestion {
  key: string;
  kind: QuestionKind;
  prompt: string;
  /** Multiple choice only (empty for short text). */
  options: string[];
  /** Index of the right option; null until one is picked. */
  correctOption: number | null;
  points: string;
}

/** Problems of one draft question, keyed by field (`prompt`, `options.2`, `correctOption`…). */
export type DraftErrors = Record<string, Record<string, string>>;

let counter = 0;
const nextKey = () => `q${++counter}`;

/** A blank question of the given kind. */
export function newDraft(kind: QuestionKind): DraftQuestion {
  return {
    key: nextKey(),
    kind,
    prompt: '',
    options: kind === 'multiple_choice' ? ['', ''] : [],
    correctOption: null,
    points: '1',
  };
}

/** A saved question as a draft. */
export function questionToDraft(q: Question): DraftQuestion {
  return {
    key: nextKey(),
    kind: q.kind,
    prompt: q.prompt,
    options: q.kind === 'multiple_choice' ? [...q.options] : [],
    correctOption: q.correctOption,
    points: String(q.points),
  };
}

/** `list` with the item at `index` moved by `delta` places (unchanged when it cannot move). */
export function moveItem<T>(list: readonly T[], index: number, delta: number): T[] {
  const target = index + delta;
  if (index < 0 || index >= list.length || target < 0 || target >= list.length) return [...list];
  const next = [...list];
  const [item] = next.splice(index, 1);
  next.splice(target, 0, item as T);
  return next;
}

/** The draft without option `index`; the right answer follows its option or is cleared. */
export function removeOption(draft: DraftQuestion, index: number): DraftQuestion {
  const options = draft.options.filter((_, i) => i !== index);
  let correctOption = draft.correctOption;
  if (correctOption === index) correctOption = null;
  else if (correctOption !== null && correctOption > index) correctOption -= 1;
  return { ...draft, options, correctOption };
}

/** Letter of option `i` (A, B, …), used in labels. */
export const optionLetter = (i: number) => String.fromCharCode(65 + i);

/** Either the request body's questions or the problems of each draft (by draft key). */
export type SetResult =
  { ok: true; questions: QuestionInput[] } | { ok: false; errors: DraftErrors };

/** Checks the drafts like the API does and converts them into PUT /questions input. */
export function draftsToInput(drafts: readonly DraftQuestion[]): SetResult {
  const errors: DraftErrors = {};
  const fail = (key: string, field: string, message: string) => {
    errors[key] = { ...errors[key], [field]: message };
  };
  const questions: QuestionInput[] = [];
  for (const d of drafts) {
    const prompt = d.prompt.trim();
    if (!prompt) fail(d.key, 'prompt', 'Enter the question.');
    else if (prompt.length > LIMITS.prompt) {
      fail(d.key, 'prompt', `Use at most ${LIMITS.prompt} characters.`);
    }
    const points = Number(d.points);
    if (
      d.points.trim() === '' ||
      !Number.isInteger(points) ||
      points < 0 ||
      points > LIMITS.maxPoints
    ) {
      fail(d.key, 'points', `Enter whole points from 0 to ${LIMITS.maxPoints}.`);
    }
    if (d.kind === 'short_text') {
      questions.push({ kind: 'short_text', prompt, points });
      continue;
    }
    const options = d.options.map((o) => o.trim());
    options.forEach((o, i) => {
      if (!o) fail(d.key, `options.${i}`, `Enter option ${optionLetter(i)} or remove it.`);
      else if (o.length > LIMITS.option) {
        fail(d.key, `options.${i}`, `Use at most ${LIMITS.option} characters.`);
      }
    });
    if (options.length < LIMITS.minOptions || options.length > LIMITS.maxOptions) {
      fail(d.key, 'options', `Give ${LIMITS.minOptions} to ${LIMITS.maxOptions} options.`);
    }
    if (d.correctOption === null || d.correctOption >= options.length) {
      fail(d.key, 'correctOption', 'Pick the right answer.');
    }
    questions.push({
      kind: 'multiple_choice',
      prompt,
      options,
      correctOption: d.correctOption ?? 0,
      points,
    });
  }
  if (drafts.length > LIMITS.questions) {
    fail('set', 'questions', `Use at most ${LIMITS.questions} questions.`);
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, questions };
}

/**
 * Server field errors (`questions.3.options.1`) attached to the drafts they concern, by key,
 * so they stay with their question when it moves. Problems without a question go under `set`.
 */
export function serverErrorsToDrafts(
  issues: readonly { path: string; message: string }[],
  drafts: readonly DraftQuestion[],
): DraftErrors {
  const errors: DraftErrors = {};
  for (const { path, message } of issues) {
    const match = /^questions\.(\d+)\.?(.*)$/.exec(path);
    const draft = match ? drafts[Number(match[1])] : undefined;
    const key = draft?.key ?? 'set';
    const field = draft ? match?.[2] || 'prompt' : 'questions';
    errors[key] = { ...errors[key], [field]: errors[key]?.[field] ?? message };
  }
  return errors;
}

/** Number of problems in an error map. */
export const countErrors = (errors: DraftErrors) =>
  Object.values(errors).reduce((n, fields) => n + Object.keys(fields).length, 0);

/** True when the drafts say the same as the saved questions (nothing to save). */
export function sameAsSaved(drafts: readonly DraftQuestion[], saved: readonly Question[]): boolean {
  if (drafts.length !== saved.length) return false;
  return drafts.every((d, i) => {
    const q = saved[i] as Question;
    return (
      d.kind === q.kind &&
      d.prompt.trim() === q.prompt &&
      d.points.trim() === String(q.points) &&
      (d.kind === 'short_text' ||
        (d.correctOption === q.correctOption &&
          d.options.length === q.options.length &&
          d.options.every((o, j) => o.trim() === q.options[j])))
    );
  });
}

/** Sum of the points of the drafts (invalid points count as 0). */
export const totalPoints = (drafts: readonly DraftQuestion[]) =>
  drafts.reduce((sum, d) => sum + (Number.isInteger(Number(d.points)) ? Number(d.points) : 0), 0);
