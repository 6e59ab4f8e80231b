import { useState, type FormEvent } from 'react';
import type { MfaEnrolled } from '@invigil/contracts';
import { browserSupportsWebAuthn } from '@simplewebauthn/browser';
import { describeError } from '../api/errors';
import { FactorNameField } from './factor-name-field';
import { Notice, StatusMessage, type Feedback } from '../ui/status-message';
import { describePasskeyError, mfaApi } from './mfa-api';

/** Adding a passkey or security key: a name, then the browser's own dialog. */
export function MfaPasskeySetup({
  onEnrolled,
  onCancel,
}: {
  onEnrolled: (enrolled: MfaEnrolled) => void;
  onCancel: () => void;
}) {
  const [label, setLabel] = useState('Passkey');
  const [pending, setPending] = useState(false);
  const [feedback, setFeedback] = useState<Feedback | null>(null);

  if (!browserSupportsWebAuthn()) {
    return (
      <Notice tone="error">
        This browser cannot create passkeys or use security keys. Use an authenticator app, or
        another browser.
      </Notice>
    );
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setPending(true);
    setFeedback({ tone: 'info', text: 'Follow your browser’s instructions…' });
    try {
      onEnrolled(await mfaApi.addPasskey(label.trim() || 'Passkey'));
    } catch (error) {
      setFeedback({ tone: 'error', text: describePasskeyError(error) ?? describeError(error) });
      setPending(false);
    }
  };

  return (
    <form
      className="form narrow-form"
      onSubmit={(e) => void submit(e)}
      aria-label="Add a passkey or security key"
    >
      <FactorNameField value={label} onChange={setLabel} example="“Laptop” or “YubiKey”" />
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={pending}>
          {pending ? 'Waiting for the key…' : 'Create passkey'}
        </button>
        <button type="button" className="button secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
      <StatusMessage feedback={feedback} />
    </form>
  );
}
