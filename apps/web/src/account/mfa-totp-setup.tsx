import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { MfaEnrolled, TotpEnrolment } from '@invigil/contracts';
import { describeError } from '../api/errors';
import { Field } from '../ui/field';
import { FactorNameField } from './factor-name-field';
import { ErrorState, Loading } from '../ui/states';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { mfaApi } from './mfa-api';

/**
 * Adding an authenticator app: the QR code to scan, the key as text to type instead, and the
 * first code to confirm. `onEnrolled` with the server's answer (recovery codes with the first
 * factor).
 */
export function MfaTotpSetup({
  onEnrolled,
  onCancel,
}: {
  onEnrolled: (enrolled: MfaEnrolled) => void;
  onCancel: () => void;
}) {
  const [enrolment, setEnrolment] = useState<TotpEnrolment | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const [label, setLabel] = useState('Authenticator app');
  const [code, setCode] = useState('');
  const [pending, setPending] = useState(false);
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    let live = true;
    mfaApi
      .startTotp()
      .then((e) => {
        if (!live) return;
        setEnrolment(e);
        heading.current?.focus();
      })
      .catch((error: unknown) => live && setLoadError(error));
    return () => {
      live = false;
    };
  }, [attempt]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!/^\d{6}$/.test(code.replace(/\s+/g, ''))) {
      setFeedback({ tone: 'error', text: 'Enter the 6-digit code the app shows.' });
      return;
    }
    setPending(true);
    setFeedback(null);
    try {
      onEnrolled(await mfaApi.confirmTotp(code, label.trim() || 'Authenticator app'));
    } catch (error) {
      setFeedback({ tone: 'error', text: describeError(error) });
      setCode('');
      setPending(false);
    }
  };

  if (loadError)
    return (
      <ErrorState
        error={loadError}
        onRetry={() => {
          setLoadError(null);
          setAttempt((n) => n + 1);
        }}
      />
    );
  if (!enrolment) return <Loading label="Preparing a new key…" />;
  return (
    <div className="mfa-stack">
      <h3 ref={heading} tabIndex={-1}>
        Add an authenticator app
      </h3>
      <div className="mfa-qr">
        <img
          src={enrolment.qrCode}
          alt="QR code to scan with your authenticator app (the key is also written out beside it)"
        />
        <div>
          <p>
            1. Scan the QR code with an authenticator app (for example FreeOTP, Aegis, Google
            Authenticator or 1Password).
          </p>
          <p>Can’t scan it? Enter this key in the app instead:</p>
          <p className="mono mfa-key" data-testid="totp-secret" aria-label="Key for manual entry">
            {enrolment.secret.match(/.{1,4}/g)?.join(' ')}
          </p>
        </div>
      </div>
      <form className="form narrow-form" onSubmit={(e) => void submit(e)} aria-label="Confirm app">
        <p>2. Enter the code the app now shows, to confirm.</p>
        <Field label="Code from the app">
          {(c) => (
            <input
              {...c}
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9 ]*"
              maxLength={7}
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          )}
        </Field>
        <FactorNameField value={label} onChange={setLabel} example="“Work phone”" />
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={pending}>
            {pending ? 'Checking…' : 'Turn on'}
          </button>
          <button type="button" className="button secondary" onClick={onCancel}>
            Cancel
          </button>
        </div>
        <StatusMessage feedback={feedback} />
      </form>
    </div>
  );
}
