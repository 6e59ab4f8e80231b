import {
  NUMERIC_LIMIT,
  type Question,
  type QuestionInput,
  type QuestionKind,
} from '@invigil/contracts';

/** Limits of a question set, as the API enforces them. */
export const LIMITS = {
  questions: 200,
  prompt: 5000,
  option: 1000,
  minOptions: 2,
  maxOptions: 12,
  maxPoints: 100,
} as const;

/** What each kind is called in the editor and the answers view. */
export const KIND_LABEL: Record<QuestionKind, string> = {
  single_choice: 'Single choice',
  multiple_choice: 'Multiple choice',
  true_false: 'True / false',
  numeric: 'Numeric',
  short_text: 'Short text',
  essay: 'Essay',
};

/** The multiple-choice partial credit rule, as the editor and the answers view state it. */
export const PARTIAL_CREDIT_RULE =
  'Partial credit: points × (right options ticked − wrong options ticked) ÷ number of right ' +
  'options, rounded down, never below 0. Full points only for exactly the right options.';

/** Kinds with options the author writes. */
export const hasOptions = (kind: QuestionKind) =>
  kind === 'single_choice' || kind === 'multiple_choice';

/** A question as edited: `key` identifies it across reorders; inputs hold strings. */
export interface DraftQuestion {
  key: string;
  kind: QuestionKind;
  prompt: string;
  /** Single and multiple choice only (empty otherwise). */
  options: string[];
  /** Single choice: the right option; true/false: 0 true, 1 false; null until picked. */
  correctOption: number | null;
  /** Multiple choice: the right options. */
  correctOptions: number[];
  /** Numeric: the right value and the absolute tolerance, as typed. */
  numericAnswer: string;
  tolerance: string;
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
    options: hasOptions(kind) ? ['', ''] : [],
    correctOption: null,
    correctOptions: [],
    numericAnswer: '',
    tolerance: '0',
    points: '1',
  };
}

/** A saved question as a draft. */
export function questionToDraft(q: Question): DraftQuestion {
  return {
    key: nextKey(),
    kind: q.kind,
    prompt: q.prompt,
    options: hasOptions(q.kind) ? [...q.options] : [],
    correctOption: q.correctOption,
    correctOptions: [...(q.correctOptions ?? [])],
    numericAnswer: q.numericAnswer === null ? '' : String(q.numericAnswer),
    tolerance: q.tolerance === null ? '0' : String(q.tolerance),
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
  const correctOptions = draft.correctOptions
    .filter((i) => i !== index)
    .map((i) => (i > index ? i - 1 : i));
  return { ...draft, options, correctOption, correctOptions };
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
    const input = kindInput(d, prompt, points, (field, message) => fail(d.key, field, message));
    if (input) questions.push(input);
  }
  if (drafts.length > LIMITS.questions) {
    fail('set', 'questions', `Use at most ${LIMITS.questions} questions.`);
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, questions };
}

/** A number typed in a field, or null when it is not one within the API's limits. */
function parseNumber(text: string): number | null {
  const n = Number(text.trim().replace(',', '.'));
  return text.trim() !== '' && Number.isFinite(n) && Math.abs(n) <= NUMERIC_LIMIT ? n : null;
}

/** The input of one draft by its kind; problems are reported through `fail`. */
function kindInput(
  d: DraftQuestion,
  prompt: string,
  points: number,
  fail: (field: string, message: string) => void,
): QuestionInput | null {
  switch (d.kind) {
    case 'short_text':
    case 'essay':
      return { kind: d.kind, prompt, points };
    case 'true_false':
      if (d.correctOption === null) fail('correctOption', 'Pick whether the statement is true.');
      return { kind: 'true_false', prompt, answer: d.correctOption === 0, points };
    case 'numeric': {
      const answer = parseNumber(d.numericAnswer);
      const tolerance = parseNumber(d.tolerance);
      if (answer === null) fail('numericAnswer', 'Enter the right value as a number.');
      if (tolerance === null || tolerance < 0) {
        fail('tolerance', 'Enter the tolerance as a number from 0 (0 means exactly).');
      }
      return { kind: 'numeric', prompt, answer: answer ?? 0, tolerance: tolerance ?? 0, points };
    }
    default: {
      const options = d.options.map((o) => o.trim());
      options.forEach((o, i) => {
        if (!o) fail(`options.${i}`, `Enter option ${optionLetter(i)} or remove it.`);
        else if (o.length > LIMITS.option) {
          fail(`options.${i}`, `Use at most ${LIMITS.option} characters.`);
        }
      });
      if (options.length < LIMITS.minOptions || options.length > LIMITS.maxOptions) {
        fail('options', `Give ${LIMITS.minOptions} to ${LIMITS.maxOptions} options.`);
      }
      if (d.kind === 'multiple_choice') {
        const correctOptions = [...d.correctOptions].sort((a, b) => a - b);
        if (correctOptions.length === 0 || correctOptions.some((i) => i >= options.length)) {
          fail('correctOptions', 'Tick at least one right answer.');
        }
        return { kind: 'multiple_choice', prompt, options, correctOptions, points };
      }
      if (d.correctOption === null || d.correctOption >= options.length) {
        fail('correctOption', 'Pick the right answer.');
      }
      return {
        kind: 'single_choice',
        prompt,
        options,
        correctOption: d.correctOption ?? 0,
        points,
      };
    }
  }
}

/** Server field names that the editor shows under another name, by kind. */
const SERVER_FIELD: Partial<Record<QuestionKind, Record<string, string>>> = {
  numeric: { answer: 'numericAnswer' },
  true_false: { answer: 'correctOption' },
};

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
    const raw = match?.[2] || 'prompt';
    const field = draft ? (SERVER_FIELD[draft.kind]?.[raw] ?? raw) : 'questions';
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
      sameKey(d, q)
    );
  });
}

function sameKey(d: DraftQuestion, q: Question): boolean {
  switch (d.kind) {
    case 'short_text':
    case 'essay':
      return true;
    case 'true_false':
      return d.correctOption === q.correctOption;
    case 'numeric':
      return (
        parseNumber(d.numericAnswer) === q.numericAnswer && parseNumber(d.tolerance) === q.tolerance
      );
    default: {
      const sameOptions =
        d.options.length === q.options.length &&
        d.options.every((o, j) => o.trim() === q.options[j]);
      const right = [...d.correctOptions].sort((a, b) => a - b).join();
      return (
        sameOptions &&
        (d.kind === 'multiple_choice'
          ? right === (q.correctOptions ?? []).join()
          : d.correctOption === q.correctOption)
      );
    }
  }
}

/** Sum of the points of the drafts (invalid points count as 0). */
export const totalPoints = (drafts: readonly DraftQuestion[]) =>
  drafts.reduce((sum, d) => sum + (Number.isInteger(Number(d.points)) ? Number(d.points) : 0), 0);
