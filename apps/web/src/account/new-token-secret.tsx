import { useEffect, useRef, useState } from 'react';
import type { CreatedToken } from '@invigil/contracts';

/** Shows a newly created token's secret once, with a Copy button. */
export function NewTokenSecret({
  created,
  onDismiss,
}: {
  created: CreatedToken;
  onDismiss: () => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);

  useEffect(() => {
    input.current?.focus();
    input.current?.select();
  }, []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied('yes');
    } catch {
      input.current?.select();
      setCopied('failed');
    }
  };

  return (
    <div className="notice notice-success secret">
      <p>
        <strong>Copy the token for “{created.apiToken.name}” now.</strong> It will not be shown
        again.
      </p>
      <div className="secret-row">
        <label htmlFor="new-token-secret" className="sr-only">
          Token secret
        </label>
        <input
          id="new-token-secret"
          ref={input}
          className="mono"
          readOnly
          value={created.token}
          onFocus={(e) => e.target.select()}
        />
        <button type="button" className="button primary" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" className="button secondary" onClick={onDismiss}>
          Done
        </button>
      </div>
      <p role="status" className="small">
        {copied === 'yes'
          ? 'Copied to the clipboard.'
          : copied === 'failed'
            ? 'Copying is blocked here; the token is selected, press Ctrl+C or ⌘C.'
            : ''}
      </p>
    </div>
  );
}
