import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { describeHandError, handStatus } from './chat-model';
import type { StudentHand } from './use-student-chat';

/** Longest note with a raised hand (the server's limit). */
const HAND_MAX_LENGTH = 280;

/**
 * Raising a hand: an optional short note, then "Hand raised — a proctor will respond" and,
 * once a proctor takes it, who is responding; the student may lower it. `asking` opens the
 * note form (the dock's Raise hand button does that).
 */
export function RaiseHand({
  hand: { hand, raise, lower },
  asking,
  onAsking,
}: {
  hand: StudentHand;
  asking: boolean;
  onAsking: (asking: boolean) => void;
}) {
  const id = useId();
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const open = hand !== null && hand.closedAt === null;
  const status = handStatus(hand);

  useEffect(() => {
    if (asking && !open) input.current?.focus();
  }, [asking, open]);

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (err) {
      setError(describeHandError(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (await run(() => raise(note))) {
      setNote('');
      onAsking(false);
    }
  };

  return (
    <section className="hand" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} className="sr-only">
        Raise hand
      </h3>
      {/* Always present, so that "taken by" is announced when it changes. */}
      <p role="status" className={status ? `hand-status${open ? ' is-open' : ''}` : 'sr-only'}>
        {status}
      </p>
      {open ? (
        <>
          {hand.message ? <p className="hand-note">Your note: {hand.message}</p> : null}
          <button
            type="button"
            className="button secondary small"
            disabled={busy}
            onClick={() => void run(lower)}
          >
            {busy ? 'Lowering…' : 'Lower hand'}
          </button>
        </>
      ) : asking ? (
        <form className="hand-form" onSubmit={(event) => void submit(event)}>
          <label htmlFor={`${id}-note`}>What do you need? (optional)</label>
          <input
            id={`${id}-note`}
            ref={input}
            value={note}
            maxLength={HAND_MAX_LENGTH}
            aria-describedby={`${id}-count`}
            onChange={(event) => setNote(event.target.value)}
          />
          <p id={`${id}-count`} className="hint">
            {note.length} / {HAND_MAX_LENGTH}
            <span className="sr-only"> characters</span>
          </p>
          <div className="hand-actions">
            <button type="submit" className="button primary small" disabled={busy}>
              {busy ? 'Raising…' : 'Raise hand'}
            </button>
            <button
              type="button"
              className="button secondary small"
              onClick={() => onAsking(false)}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <button type="button" className="button secondary small" onClick={() => onAsking(true)}>
          Raise hand
        </button>
      )}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </section>
  );
}
