import { TRUE_FALSE_OPTIONS } from '@invigil/contracts';
import { Field, NumberField } from '../ui/field';
import { QuestionOptions } from './question-options';
import { KIND_LABEL, LIMITS, hasOptions, type DraftQuestion } from './questions-model';

type Change = (change: Partial<DraftQuestion>, clearedErrors: string[]) => void;

/** The fields that hold a question's right answer, by kind. */
function KindFields({
  draft,
  n,
  errors,
  editable,
  onChange,
  onReplace,
}: {
  draft: DraftQuestion;
  n: number;
  errors: Record<string, string>;
  editable: boolean;
  onChange: Change;
  onReplace: (next: DraftQuestion) => void;
}) {
  const { key } = draft;
  if (hasOptions(draft.kind)) {
    return (
      <QuestionOptions
        draft={draft}
        n={n}
        errors={errors}
        editable={editable}
        onChange={onChange}
        onReplace={onReplace}
      />
    );
  }
  if (draft.kind === 'true_false') {
    const errorId = `${key}-correct-error`;
    return (
      <fieldset
        className="plain options"
        aria-describedby={errors.correctOption ? errorId : undefined}
      >
        <legend>The statement is</legend>
        {errors.correctOption ? (
          <p id={errorId} className="field-error">
            {errors.correctOption}
          </p>
        ) : null}
        <div className="choices inline">
          {TRUE_FALSE_OPTIONS.map((label, i) => (
            <label key={label} className="choice">
              <input
                type="radio"
                name={`${key}-truth`}
                checked={draft.correctOption === i}
                onChange={() => onChange({ correctOption: i }, ['correctOption'])}
              />
              <span>{label}</span>
            </label>
          ))}
        </div>
      </fieldset>
    );
  }
  if (draft.kind === 'numeric') {
    return (
      <div className="numeric-key">
        <NumberField
          label="Right value"
          error={errors.numericAnswer}
          inputMode="decimal"
          step="any"
          value={draft.numericAnswer}
          onChange={(numericAnswer) => onChange({ numericAnswer }, ['numericAnswer'])}
        />
        <NumberField
          label="Tolerance (±)"
          hint="Answers within the right value plus or minus this count as right; 0 means exactly."
          error={errors.tolerance}
          inputMode="decimal"
          min={0}
          step="any"
          value={draft.tolerance}
          onChange={(tolerance) => onChange({ tolerance }, ['tolerance'])}
        />
      </div>
    );
  }
  return (
    <p className="hint">
      Students type {draft.kind === 'essay' ? 'a long answer' : 'a short answer'}; an instructor
      grades it by hand after the attempt ends.
    </p>
  );
}

/** One question in the editor: prompt, options with the right one, points, and its moves. */
export function QuestionCard({
  draft,
  index,
  count,
  errors,
  disabled,
  editable,
  onChange,
  onReplace,
  onMove,
  onRemove,
}: {
  draft: DraftQuestion;
  index: number;
  count: number;
  errors: Record<string, string>;
  /** Inputs are disabled (saving, locked, archived). */
  disabled: boolean;
  /** Show the editing buttons (move, remove, add option). */
  editable: boolean;
  onChange: (change: Partial<DraftQuestion>, clearedErrors: string[]) => void;
  onReplace: (next: DraftQuestion) => void;
  onMove: (delta: number) => void;
  onRemove: () => void;
}) {
  const n = index + 1;
  const { key } = draft;

  return (
    <fieldset className="question" disabled={disabled}>
      <legend>
        Question {n} <span className="muted">· {KIND_LABEL[draft.kind]}</span>
      </legend>
      <Field label="Question text" error={errors.prompt}>
        {(c) => (
          <textarea
            {...c}
            data-focus={`${key}-prompt`}
            rows={2}
            maxLength={LIMITS.prompt}
            value={draft.prompt}
            onChange={(e) => onChange({ prompt: e.target.value }, ['prompt'])}
          />
        )}
      </Field>

      <KindFields
        draft={draft}
        n={n}
        errors={errors}
        editable={editable}
        onChange={onChange}
        onReplace={onReplace}
      />

      <div className="question-foot">
        <NumberField
          label="Points"
          error={errors.points}
          className="question-points"
          inputMode="numeric"
          min={0}
          max={LIMITS.maxPoints}
          step={1}
          value={draft.points}
          onChange={(points) => onChange({ points }, ['points'])}
        />
        {editable ? (
          <div className="row-actions">
            <button
              data-focus={`${key}-up`}
              type="button"
              className="button secondary small"
              disabled={index === 0}
              aria-label={`Move up (question ${n})`}
              onClick={() => onMove(-1)}
            >
              Move up
            </button>
            <button
              data-focus={`${key}-down`}
              type="button"
              className="button secondary small"
              disabled={index === count - 1}
              aria-label={`Move down (question ${n})`}
              onClick={() => onMove(1)}
            >
              Move down
            </button>
            <button
              type="button"
              className="button danger small"
              aria-label={`Remove question ${n}`}
              onClick={onRemove}
            >
              Remove question
            </button>
          </div>
        ) : null}
      </div>
    </fieldset>
  );
}
