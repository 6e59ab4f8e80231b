import { useState } from 'react';

/**
 * Recovery codes shown once (just after the first factor, or regenerated): a list to copy or
 * download, and a button to say they are saved.
 */
export function MfaRecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const text = `Invigil recovery codes (each works once)\n\n${codes.join('\n')}\n`;

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'invigil-recovery-codes.txt';
    a.click();
    URL.revokeObjectURL(url);
  };

  return (
    <div className="notice notice-success mfa-stack" role="region" aria-label="Recovery codes">
      <p>
        <strong>Save these recovery codes now.</strong> They will not be shown again. If you lose
        your phone or key, each code lets you sign in once.
      </p>
      <ul className="mfa-codes mono" aria-label="Your recovery codes">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <div className="secret-row">
        <button type="button" className="button secondary" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" className="button secondary" onClick={download}>
          Download
        </button>
        <button type="button" className="button primary" onClick={onDone}>
          I have saved them
        </button>
      </div>
      <p role="status" className="small">
        {copied === 'yes'
          ? 'Copied to the clipboard.'
          : copied === 'failed'
            ? 'Copying is blocked here; download the codes or write them down.'
            : ''}
      </p>
    </div>
  );
}
