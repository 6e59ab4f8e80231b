import { useId, useState, type FormEvent } from 'react';
import type { Registration, RosterEntry } from '@invigil/contracts';
import { examContentApi } from '../api/endpoints';
import { describeError } from '../api/errors';

/** Most extra time the API accepts, in minutes. */
const MAX_EXTRA = 600;

/** "30 min", or "None". */
export const formatExtraTime = (minutes: number) => (minutes > 0 ? `${minutes} min` : 'None');

/**
 * Edit one student's extra time (minutes added to the exam duration). A running attempt's
 * deadline moves at once on the server.
 */
export function ExtraTimeControl({
  entry,
  onSaved,
}: {
  entry: RosterEntry;
  onSaved: (registration: Registration) => void;
}) {
  const id = useId();
  const [value, setValue] = useState(String(entry.extraTimeMinutes));
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const changed = value.trim() !== String(entry.extraTimeMinutes);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const minutes = Number(value);
    if (value.trim() === '' || !Number.isInteger(minutes) || minutes < 0 || minutes > MAX_EXTRA) {
      setError(`Enter whole minutes from 0 to ${MAX_EXTRA}.`);
      return;
    }
    setPending(true);
    setError(null);
    try {
      const saved = await examContentApi.setExtraTime(entry.id, minutes);
      setValue(String(saved.extraTimeMinutes));
      onSaved(saved);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setPending(false);
    }
  };

  return (
    <form className="extra-time" onSubmit={(e) => void submit(e)} noValidate>
      <label htmlFor={id} className="sr-only">
        Extra time for {entry.studentName}, in minutes
      </label>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={0}
        max={MAX_EXTRA}
        step={1}
        value={value}
        disabled={pending}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => {
          setValue(e.target.value);
          setError(null);
        }}
      />
      <span aria-hidden="true">min</span>
      <button
        type="submit"
        className="button secondary small"
        disabled={pending || !changed}
        aria-label={`Save extra time for ${entry.studentName}`}
      >
        {pending ? 'Saving…' : 'Save'}
      </button>
      {error ? (
        <p id={`${id}-error`} className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
