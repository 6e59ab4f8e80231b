import { useCallback, useState, type FormEvent } from 'react';
import type { MfaStatus } from '@invigil/contracts';
import { describeError } from '../api/errors';
import { describePasskeyError, mfaApi } from '../account/mfa-api';
import { Field } from '../ui/field';
import { ResourceView } from '../ui/states';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { useResource } from '../ui/use-resource';

type Method = 'totp' | 'recovery';

function VerifyForm({ status, onVerified }: { status: MfaStatus; onVerified: () => void }) {
  const hasApp = status.factors.some((f) => f.type === 'totp');
  const hasPasskey = status.factors.some((f) => f.type === 'webauthn');
  const [method, setMethod] = useState<Method>(hasApp ? 'totp' : 'recovery');
  const [code, setCode] = useState('');
  const [pending, setPending] = useState(false);
  const [feedback, setFeedback] = useState<Feedback | null>(null);

  const fail = (error: unknown) =>
    setFeedback({ tone: 'error', text: describePasskeyError(error) ?? describeError(error) });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!code.trim()) {
      setFeedback({ tone: 'error', text: 'Enter the code first.' });
      return;
    }
    setPending(true);
    setFeedback(null);
    try {
      await mfaApi.verifyCode({ method, code });
      onVerified();
    } catch (error) {
      fail(error);
      setCode('');
    } finally {
      setPending(false);
    }
  };

  const passkey = async () => {
    setPending(true);
    setFeedback(null);
    try {
      await mfaApi.verifyPasskey();
      onVerified();
    } catch (error) {
      fail(error);
    } finally {
      setPending(false);
    }
  };

  const switchTo = (next: Method) => {
    setMethod(next);
    setCode('');
    setFeedback(null);
  };

  return (
    <div className="stack">
      {hasPasskey ? (
        <p>
          <button
            type="button"
            className={`button ${hasApp ? 'secondary' : 'primary'}`}
            disabled={pending}
            onClick={() => void passkey()}
          >
            Use a passkey or security key
          </button>
        </p>
      ) : null}
      {hasApp || method === 'recovery' ? (
        <form
          className="form narrow-form"
          onSubmit={(e) => void submit(e)}
          aria-label={
            method === 'totp' ? 'Verify with an authenticator code' : 'Verify with a recovery code'
          }
        >
          {method === 'totp' ? (
            <Field
              label="Code from your authenticator app"
              hint="The 6-digit code your app shows for Invigil."
            >
              {(c) => (
                <input
                  {...c}
                  name="one-time-code"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  pattern="[0-9 ]*"
                  maxLength={7}
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                />
              )}
            </Field>
          ) : (
            <Field
              label="Recovery code"
              hint="One of the codes you saved when you set up two-step sign-in. Each works once."
            >
              {(c) => (
                <input
                  {...c}
                  autoComplete="off"
                  spellCheck={false}
                  className="mono"
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                />
              )}
            </Field>
          )}
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={pending}>
              {pending ? 'Checking…' : 'Verify'}
            </button>
          </div>
        </form>
      ) : null}
      <StatusMessage feedback={feedback} />
      <p>
        {method === 'totp' ? (
          <button type="button" className="link-button" onClick={() => switchTo('recovery')}>
            Use a recovery code instead
          </button>
        ) : hasApp ? (
          <button type="button" className="link-button" onClick={() => switchTo('totp')}>
            Use your authenticator app instead
          </button>
        ) : null}
      </p>
    </div>
  );
}

/**
 * Proving the second factor: a passkey button, an authenticator code (autocomplete
 * one-time-code) or a recovery code, whichever the account has. Used by the sign-in step and
 * the step-up dialog; `onVerified` once the server accepted the proof.
 */
export function SecondFactorVerify({ onVerified }: { onVerified: () => void }) {
  const load = useCallback((signal: AbortSignal) => mfaApi.status(signal), []);
  const status = useResource(load);
  return (
    <ResourceView resource={status}>
      {(data) => <VerifyForm status={data} onVerified={onVerified} />}
    </ResourceView>
  );
}
