import { useEffect, useRef, useState } from 'react';

/**
 * The signing secret of a webhook just created, shown this once: focused and selected so
 * it can be copied at once, with a Copy button and how receivers use it.
 */
export function WebhookSecret({
  url,
  secret,
  onDismiss,
}: {
  url: string;
  secret: string;
  onDismiss: () => void;
}) {
  const field = useRef<HTMLInputElement>(null);
  const [copyState, setCopyState] = useState<'idle' | 'copied' | 'blocked'>('idle');

  useEffect(() => {
    field.current?.focus();
    field.current?.select();
  }, []);

  const copySecret = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopyState('copied');
    } catch {
      // Clipboard access can be refused (http pages, permissions): leave it selected instead.
      field.current?.select();
      setCopyState('blocked');
    }
  };

  const announcement = {
    idle: '',
    copied: 'Secret copied to the clipboard.',
    blocked: 'The browser refused the clipboard; the secret is selected, press Ctrl+C or ⌘C.',
  }[copyState];

  return (
    <section className="notice notice-success secret" aria-labelledby="webhook-secret-title">
      <p id="webhook-secret-title">
        <strong>Store the signing secret for {url} now.</strong> Invigil shows it only this once.
      </p>
      <p className="small">
        Each call carries <code>x-invigil-signature: sha256=&lt;hex&gt;</code>, the HMAC-SHA256 of{' '}
        <code>&lt;x-invigil-timestamp&gt;.&lt;body&gt;</code> with this secret. Check it before
        trusting a call.
      </p>
      <div className="secret-row">
        <label htmlFor="webhook-secret-value" className="sr-only">
          Signing secret
        </label>
        <input
          id="webhook-secret-value"
          ref={field}
          className="mono"
          readOnly
          value={secret}
          onFocus={(e) => e.target.select()}
        />
        <button type="button" className="button primary" onClick={() => void copySecret()}>
          Copy secret
        </button>
        <button type="button" className="button secondary" onClick={onDismiss}>
          I have stored it
        </button>
      </div>
      <p role="status" className="small">
        {announcement}
      </p>
    </section>
  );
}
