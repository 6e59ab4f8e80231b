import { Field, NumberField } from '../ui/field';
import { LIMITS, optionLetter, removeOption, type DraftQuestion } from './questions-model';

const KIND_LABEL = { multiple_choice: 'Multiple choice', short_text: 'Short text' } as const;

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
  const groupErrorIds = [
    errors.options ? `${key}-options-error` : null,
    errors.correctOption ? `${key}-correct-error` : null,
  ].filter(Boolean);

  const setOption = (i: number, text: string) =>
    onChange({ options: draft.options.map((o, j) => (j === i ? text : o)) }, [
      `options.${i}`,
      'options',
    ]);

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

      {draft.kind === 'multiple_choice' ? (
        <fieldset
          className="plain options"
          aria-describedby={groupErrorIds.length ? groupErrorIds.join(' ') : undefined}
        >
          <legend>Options — select the right answer</legend>
          {errors.correctOption ? (
            <p id={`${key}-correct-error`} className="field-error">
              {errors.correctOption}
            </p>
          ) : null}
          {errors.options ? (
            <p id={`${key}-options-error`} className="field-error">
              {errors.options}
            </p>
          ) : null}
          <ul className="option-list">
            {draft.options.map((option, i) => {
              const letter = optionLetter(i);
              const error = errors[`options.${i}`];
              const textId = `${key}-option-${i}`;
              return (
                <li key={i} className={`option-row${error ? ' field-invalid' : ''}`}>
                  <input
                    type="radio"
                    name={`${key}-correct`}
                    className="option-correct"
                    checked={draft.correctOption === i}
                    aria-label={`Option ${letter} is the right answer`}
                    onChange={() => onChange({ correctOption: i }, ['correctOption'])}
                  />
                  <label htmlFor={textId} className="option-letter">
                    <span className="sr-only">Option </span>
                    {letter}
                  </label>
                  <input
                    id={textId}
                    value={option}
                    maxLength={LIMITS.option}
                    aria-invalid={error ? true : undefined}
                    aria-describedby={error ? `${textId}-error` : undefined}
                    onChange={(e) => setOption(i, e.target.value)}
                  />
                  <span className="option-badge">
                    {draft.correctOption === i ? (
                      <span className="badge badge-right">Right answer</span>
                    ) : null}
                  </span>
                  {editable ? (
                    <button
                      type="button"
                      className="button secondary small"
                      disabled={draft.options.length <= LIMITS.minOptions}
                      aria-label={`Remove option ${letter} of question ${n}`}
                      onClick={() => onReplace(removeOption(draft, i))}
                    >
                      Remove
                    </button>
                  ) : null}
                  {error ? (
                    <p id={`${textId}-error`} className="field-error option-error">
                      {error}
                    </p>
                  ) : null}
                </li>
              );
            })}
          </ul>
          {editable && draft.options.length < LIMITS.maxOptions ? (
            <button
              type="button"
              className="button secondary small"
              onClick={() => onChange({ options: [...draft.options, ''] }, ['options'])}
            >
              Add option
            </button>
          ) : null}
        </fieldset>
      ) : (
        <p className="hint">Students type a free answer; it is not scored automatically.</p>
      )}

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
