import {
  LIMITS,
  optionLetter,
  PARTIAL_CREDIT_RULE,
  removeOption,
  type DraftQuestion,
} from './questions-model';

/**
 * The options of a single- or multiple-choice question with the right one(s): radio buttons
 * for single choice, checkboxes for multiple choice (with the partial credit rule stated).
 */
export function QuestionOptions({
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
  onChange: (change: Partial<DraftQuestion>, clearedErrors: string[]) => void;
  onReplace: (next: DraftQuestion) => void;
}) {
  const { key } = draft;
  const multi = draft.kind === 'multiple_choice';
  const keyField = multi ? 'correctOptions' : 'correctOption';
  const groupErrorIds = [
    errors.options ? `${key}-options-error` : null,
    errors[keyField] ? `${key}-correct-error` : null,
    multi ? `${key}-rule` : null,
  ].filter(Boolean);
  const isRight = (i: number) =>
    multi ? draft.correctOptions.includes(i) : draft.correctOption === i;
  const toggle = (i: number) =>
    onChange(
      {
        correctOptions: isRight(i)
          ? draft.correctOptions.filter((c) => c !== i)
          : [...draft.correctOptions, i],
      },
      ['correctOptions'],
    );
  const setOption = (i: number, text: string) =>
    onChange({ options: draft.options.map((o, j) => (j === i ? text : o)) }, [
      `options.${i}`,
      'options',
    ]);

  return (
    <fieldset
      className="plain options"
      aria-describedby={groupErrorIds.length ? groupErrorIds.join(' ') : undefined}
    >
      <legend>
        {multi ? 'Options — tick every right answer' : 'Options — select the right answer'}
      </legend>
      {multi ? (
        <p id={`${key}-rule`} className="hint">
          {PARTIAL_CREDIT_RULE}
        </p>
      ) : null}
      {errors[keyField] ? (
        <p id={`${key}-correct-error`} className="field-error">
          {errors[keyField]}
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
                type={multi ? 'checkbox' : 'radio'}
                name={`${key}-correct`}
                className="option-correct"
                checked={isRight(i)}
                aria-label={`Option ${letter} is ${multi ? 'a' : 'the'} right answer`}
                onChange={() =>
                  multi ? toggle(i) : onChange({ correctOption: i }, ['correctOption'])
                }
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
                {isRight(i) ? <span className="badge badge-right">Right answer</span> : null}
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
  );
}
