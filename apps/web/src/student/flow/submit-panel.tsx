import { useEffect, useRef, useState, type KeyboardEvent } from 'react';

/** Submit with an inline confirmation. */
export function SubmitPanel({
  answered,
  total,
  busy,
  error,
  onSubmit,
}: {
  answered: number;
  total: number;
  busy: boolean;
  error: string | null;
  onSubmit: () => void;
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
    else if (wasAsking.current) openRef.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') setAsking(false);
  };

  return (
    <section className="card submit-panel" aria-labelledby="submit-heading">
      <h2 id="submit-heading">Finish</h2>
      <div role="alert">{error ? <p className="notice notice-error">{error}</p> : null}</div>
      {busy ? (
        <p role="status" className="loading">
          <span className="spinner" aria-hidden="true" />
          Submitting…
        </p>
      ) : asking ? (
        <div className="confirm-submit" role="group" aria-labelledby="confirm-submit-question">
          <p id="confirm-submit-question">
            <strong>Submit your exam now?</strong>{' '}
            {total > 0 ? `You answered ${answered} of ${total} questions. ` : ''}You cannot change
            your answers afterwards.
          </p>
          <div className="form-actions">
            <button
              ref={confirmRef}
              type="button"
              className="button primary"
              onKeyDown={onKeyDown}
              onClick={onSubmit}
            >
              Yes, submit
            </button>
            <button
              type="button"
              className="button secondary"
              onKeyDown={onKeyDown}
              onClick={() => setAsking(false)}
            >
              Keep working
            </button>
          </div>
        </div>
      ) : (
        <>
          <p>When you are done, submit your exam. Recording stops after you submit.</p>
          <button
            ref={openRef}
            type="button"
            className="button primary"
            onClick={() => setAsking(true)}
          >
            Submit exam
          </button>
        </>
      )}
    </section>
  );
}
