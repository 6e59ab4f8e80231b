import { useId, useRef, useState, type ReactNode } from 'react';

/**
 * A labelled read-only value (a URL to paste elsewhere) with a Copy button. When the browser
 * refuses the clipboard (plain http, permissions) the value is selected instead and the user
 * is told to press Ctrl+C; either outcome is announced.
 */
export function CopyField({
  label,
  value,
  hint,
  lines,
}: {
  label: string;
  value: string;
  hint?: ReactNode;
  /** Show a text area of this many lines (for values of several lines). */
  lines?: number;
}) {
  const id = useId();
  const input = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [state, setState] = useState<'idle' | 'copied' | 'blocked'>('idle');

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      input.current?.focus();
      input.current?.select();
      setState('blocked');
    }
  };

  return (
    <div className="field copy-field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      ) : null}
      <div className="secret-row">
        {lines ? (
          <textarea
            id={id}
            ref={input}
            readOnly
            rows={lines}
            value={value}
            aria-describedby={hint ? `${id}-hint` : undefined}
            onFocus={(e) => e.target.select()}
          />
        ) : (
          <input
            id={id}
            ref={input}
            readOnly
            value={value}
            aria-describedby={hint ? `${id}-hint` : undefined}
            onFocus={(e) => e.target.select()}
          />
        )}
        <button
          type="button"
          className="button secondary"
          aria-label={`Copy ${label}`}
          onClick={() => void copy()}
        >
          Copy
        </button>
      </div>
      <p role="status" className="small muted copy-status">
        {state === 'copied'
          ? 'Copied.'
          : state === 'blocked'
            ? 'The browser refused the clipboard; the text is selected, press Ctrl+C or ⌘C.'
            : ''}
      </p>
    </div>
  );
}
