import { useState, type ReactNode } from 'react';
import type { AnswerValue, StudentQuestion } from '@invigil/contracts';
import type { SaveState } from './autosave';

const SAVE_LABEL: Record<SaveState, string> = {
  saved: 'Saved',
  pending: 'Saving…',
  saving: 'Saving…',
  retrying: 'Not saved — retrying',
  closed: 'Not saved: the exam has ended',
};

const KIND_HINT: Partial<Record<StudentQuestion['kind'], string>> = {
  multiple_choice:
    'Select every right answer. Each wrong choice cancels a right one; full points only for exactly the right answers.',
  numeric: 'Enter a number (use a point for decimals).',
};

type Props = {
  number: number;
  question: StudentQuestion;
  value: AnswerValue | undefined;
  saveState: SaveState;
  disabled: boolean;
  onChange: (value: AnswerValue) => void;
  /** Shown at the end of the question (the exam room's "Mark for review" toggle). */
  extra?: ReactNode;
};

/** The heading of a question: number, points and prompt. */
function Heading({ number, question }: { number: number; question: StudentQuestion }) {
  const points = `${question.points} point${question.points === 1 ? '' : 's'}`;
  return (
    <>
      <span className="question-number">Question {number}</span>{' '}
      <span className="muted small">({points})</span>
      <span className="question-prompt">{question.prompt}</span>
    </>
  );
}

/** Radio buttons (single choice, true/false) or checkboxes (multiple choice). */
function Choices({ question, value, disabled, onChange, id, describedBy, heading }: ChoiceProps) {
  const multi = question.kind === 'multiple_choice';
  const chosen = new Set(
    value && 'choices' in value ? value.choices : value && 'choice' in value ? [value.choice] : [],
  );
  const toggle = (i: number) =>
    onChange({
      choices: chosen.has(i)
        ? [...chosen].filter((c) => c !== i)
        : [...chosen, i].sort((a, b) => a - b),
    });
  return (
    <fieldset className="plain" aria-describedby={describedBy}>
      <legend>{heading}</legend>
      <div className={`choices${question.kind === 'true_false' ? ' inline' : ''}`}>
        {question.options.map((option, i) => (
          <label key={i} className={`choice${chosen.has(i) ? ' chosen' : ''}`}>
            <input
              type={multi ? 'checkbox' : 'radio'}
              name={id}
              value={i}
              checked={chosen.has(i)}
              disabled={disabled}
              onChange={() => (multi ? toggle(i) : onChange({ choice: i }))}
            />
            <span>{option}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
type ChoiceProps = Pick<Props, 'question' | 'value' | 'disabled' | 'onChange'> & {
  id: string;
  describedBy: string;
  heading: ReactNode;
};

/**
 * A number box that keeps what the student types (e.g. "3." on the way to "3.5") and saves
 * only values that parse; clearing it keeps the last saved answer.
 */
function NumberInput({ id, value, disabled, onChange, describedBy }: NumberProps) {
  const saved = value && 'number' in value ? String(value.number) : '';
  const [text, setText] = useState(saved);
  return (
    <input
      id={id}
      type="text"
      inputMode="decimal"
      autoComplete="off"
      value={text}
      disabled={disabled}
      aria-describedby={describedBy}
      onChange={(event) => {
        setText(event.target.value);
        const n = Number(event.target.value.trim().replace(',', '.'));
        if (event.target.value.trim() !== '' && Number.isFinite(n)) onChange({ number: n });
      }}
    />
  );
}
type NumberProps = Pick<Props, 'value' | 'disabled' | 'onChange'> & {
  id: string;
  describedBy: string;
};

/** One question with its save state: choices, a number box or a text box by kind. */
export function QuestionItem({
  number,
  question,
  value,
  saveState,
  disabled,
  onChange,
  extra,
}: Props) {
  const id = `q-${question.id}`;
  const hint = KIND_HINT[question.kind];
  const describedBy = [hint ? `${id}-hint` : null, `${id}-status`].filter(Boolean).join(' ');
  const heading = <Heading number={number} question={question} />;
  const footer = (
    <>
      {hint ? (
        <p id={`${id}-hint`} className="muted small">
          {hint}
        </p>
      ) : null}
      <p id={`${id}-status`} className={`save-note save-${saveState}`}>
        {value === undefined ? 'Not answered' : SAVE_LABEL[saveState]}
      </p>
    </>
  );
  if (question.options.length > 0) {
    return (
      <li className="card question" id={`question-${question.id}`} tabIndex={-1}>
        <Choices {...{ question, value, disabled, onChange, id, describedBy, heading }} />
        {footer}
        {extra}
      </li>
    );
  }
  const text = value && 'text' in value ? value.text : '';
  return (
    <li className="card question" id={`question-${question.id}`} tabIndex={-1}>
      <label htmlFor={id} className="question-label">
        {heading}
      </label>
      {question.kind === 'numeric' ? (
        <NumberInput {...{ id, value, disabled, onChange, describedBy }} />
      ) : (
        <textarea
          id={id}
          rows={question.kind === 'essay' ? 12 : 3}
          value={text}
          disabled={disabled}
          maxLength={20_000}
          aria-describedby={describedBy}
          onChange={(event) => onChange({ text: event.target.value })}
        />
      )}
      {footer}
      {extra}
    </li>
  );
}
