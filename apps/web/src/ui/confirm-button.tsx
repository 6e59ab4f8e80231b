import { useEffect, useRef, useState, type KeyboardEvent } from 'react';

/**
 * A button that asks for confirmation inline before running a destructive action:
 * the first press shows the question with Confirm and Keep buttons.
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel = 'Confirm',
  keepLabel = 'Keep',
  pending = false,
  pendingLabel,
  disabled = false,
  onConfirm,
  className = 'button danger',
  describedBy,
}: {
  label: string;
  question: string;
  confirmLabel?: string;
  keepLabel?: string;
  pending?: boolean;
  pendingLabel?: string;
  disabled?: boolean;
  onConfirm: () => void;
  className?: string;
  /** Id of text giving context (e.g. which row), for screen readers. */
  describedBy?: string;
}) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);
  const openRef = useRef<HTMLButtonElement>(null);
  const [returnFocus, setReturnFocus] = useState(false);

  useEffect(() => {
    if (asking) confirmRef.current?.focus();
    else if (returnFocus) openRef.current?.focus();
  }, [asking, returnFocus]);

  if (pending) {
    return (
      <button type="button" className={className} disabled>
        {pendingLabel ?? `${label}…`}
      </button>
    );
  }
  if (!asking) {
    return (
      <button
        ref={openRef}
        type="button"
        className={className}
        disabled={disabled}
        aria-describedby={describedBy}
        onClick={() => {
          setReturnFocus(false);
          setAsking(true);
        }}
      >
        {label}
      </button>
    );
  }
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      setReturnFocus(true);
      setAsking(false);
    }
  };
  return (
    <span className="confirm" role="group" aria-label={question}>
      <span className="confirm-question">{question}</span>
      <button
        ref={confirmRef}
        type="button"
        className={className}
        onKeyDown={onKeyDown}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button
        type="button"
        className="button secondary"
        onClick={() => {
          setReturnFocus(true);
          setAsking(false);
        }}
        onKeyDown={onKeyDown}
      >
        {keepLabel}
      </button>
    </span>
  );
}
