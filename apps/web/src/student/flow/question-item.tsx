import type { AnswerValue, StudentQuestion } from '@invigil/contracts';
import type { SaveState } from './autosave';

const SAVE_LABEL: Record<SaveState, string> = {
  saved: 'Saved',
  pending: 'Saving…',
  saving: 'Saving…',
  retrying: 'Not saved — retrying',
  closed: 'Not saved: the exam has ended',
};

/** One question: a radio group or a text box, with its save state. */
export function QuestionItem({
  number,
  question,
  value,
  saveState,
  disabled,
  onChange,
}: {
  number: number;
  question: StudentQuestion;
  value: AnswerValue | undefined;
  saveState: SaveState;
  disabled: boolean;
  onChange: (value: AnswerValue) => void;
}) {
  const id = `q-${question.id}`;
  const points = `${question.points} point${question.points === 1 ? '' : 's'}`;
  const status = (
    <p id={`${id}-status`} className={`save-note save-${saveState}`}>
      {value === undefined ? 'Not answered' : SAVE_LABEL[saveState]}
    </p>
  );
  if (question.kind === 'multiple_choice') {
    const chosen = value && 'choice' in value ? value.choice : null;
    return (
      <li className="card question">
        <fieldset className="plain" aria-describedby={`${id}-status`}>
          <legend>
            <span className="question-number">Question {number}</span>{' '}
            <span className="muted small">({points})</span>
            <span className="question-prompt">{question.prompt}</span>
          </legend>
          <div className="choices">
            {question.options.map((option, i) => (
              <label key={i} className={`choice${chosen === i ? ' chosen' : ''}`}>
                <input
                  type="radio"
                  name={id}
                  value={i}
                  checked={chosen === i}
                  disabled={disabled}
                  onChange={() => onChange({ choice: i })}
                />
                <span>{option}</span>
              </label>
            ))}
          </div>
        </fieldset>
        {status}
      </li>
    );
  }
  const text = value && 'text' in value ? value.text : '';
  return (
    <li className="card question">
      <label htmlFor={id} className="question-label">
        <span className="question-number">Question {number}</span>{' '}
        <span className="muted small">({points})</span>
        <span className="question-prompt">{question.prompt}</span>
      </label>
      <textarea
        id={id}
        rows={5}
        value={text}
        disabled={disabled}
        maxLength={20_000}
        aria-describedby={`${id}-status`}
        onChange={(event) => onChange({ text: event.target.value })}
      />
      {status}
    </li>
  );
}
