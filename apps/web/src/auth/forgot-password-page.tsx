import { useState, type FormEvent } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { authApi } from '../api/endpoints';
import { describeError, fieldErrors } from '../api/errors';
import { Field } from '../ui/field';
import { Page } from '../ui/page';
import { Notice, StatusMessage, type Feedback } from '../ui/status-message';
import { Loading } from '../ui/states';
import { resetRequestedText } from './password-reset-model';
import { usePublicSettings } from './use-public-settings';

/** What the sign-in page hands over: the address typed there, if any. */
export interface ForgotPasswordState {
  email?: string;
}

/** /forgot-password: ask for a link to choose a new password (when e-mail is configured). */
export function ForgotPasswordPage() {
  const location = useLocation();
  const arrival = (location.state as ForgotPasswordState | null) ?? {};
  const { settings, failed } = usePublicSettings();
  const [email, setEmail] = useState(arrival.email ?? '');
  const [pending, setPending] = useState(false);
  const [sent, setSent] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  // When the settings cannot be loaded, offer the form: the server answers the same anyway.
  const offered = settings ? settings.passwordReset !== null : failed;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setPending(true);
    setErrors({});
    setFeedback(null);
    try {
      await authApi.requestPasswordReset({ email: email.trim() });
      setSent(true);
      setFeedback({
        tone: 'info',
        text: resetRequestedText(settings?.passwordReset?.linkMinutes),
      });
    } catch (error) {
      setErrors(fieldErrors(error));
      setFeedback({ tone: 'error', text: describeError(error) });
    } finally {
      setPending(false);
    }
  };

  if (settings === null && !failed) {
    return (
      <Page title="Forgot your password?">
        <Loading />
      </Page>
    );
  }

  return (
    <Page
      title="Forgot your password?"
      intro={
        offered
          ? 'Enter the e-mail address of your account and we will send you a link to choose a new password.'
          : undefined
      }
    >
      <StatusMessage feedback={feedback} />
      {!offered ? (
        <Notice>
          Password reset by e-mail is not available here. Ask your administrator to set a new
          password for you.
        </Notice>
      ) : sent ? (
        <div className="card">
          <p>
            Sent to <strong className="break">{email.trim()}</strong> if that address has an
            account.
          </p>
          <div className="form-actions">
            <button
              type="button"
              className="button secondary"
              onClick={() => {
                setSent(false);
                setFeedback(null);
              }}
            >
              Use another address
            </button>
          </div>
        </div>
      ) : (
        <form className="card form" onSubmit={(event) => void submit(event)}>
          <Field label="E-mail" error={errors.email}>
            {(control) => (
              <input
                {...control}
                type="email"
                name="email"
                autoComplete="username"
                required
                value={email}
                onChange={(event) => setEmail(event.target.value)}
              />
            )}
          </Field>
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={pending}>
              {pending ? 'Sending…' : 'Send the link'}
            </button>
          </div>
        </form>
      )}
      <p className="below-card">
        Remembered it? <Link to="/signin">Sign in</Link>
      </p>
    </Page>
  );
}
