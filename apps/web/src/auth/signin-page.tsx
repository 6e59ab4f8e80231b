import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { describeError, fieldErrors } from '../api/errors';
import { Field } from '../ui/field';
import { Page } from '../ui/page';
import { StatusMessage, type Feedback } from '../ui/status-message';
import type { ForgotPasswordState } from './forgot-password-page';
import type { SignInState } from './guards';
import { afterSignInPath } from './roles';
import { useSession } from './session';
import { SsoButton } from './sso-button';
import { usePublicSettings } from './use-public-settings';

/**
 * /signin: e-mail and password, with "Forgot password?" when e-mail is configured and a link
 * to sign-up when it is enabled.
 */
export function SignInPage() {
  const { login } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const arrival = (location.state as SignInState | null) ?? {};
  const { settings } = usePublicSettings();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [feedback, setFeedback] = useState<Feedback | null>(
    arrival.expired
      ? { tone: 'info', text: 'Your session has ended. Please sign in again.' }
      : arrival.signedOut
        ? { tone: 'info', text: 'You have signed out.' }
        : arrival.passwordReset
          ? { tone: 'success', text: 'Your new password is set. Sign in with it.' }
          : null,
  );

  const forgotState: ForgotPasswordState = { email: email.trim() };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setPending(true);
    setErrors({});
    setFeedback(null);
    try {
      const user = await login({ email: email.trim(), password });
      navigate(afterSignInPath(user.role, arrival.from), { replace: true });
    } catch (error) {
      setErrors(fieldErrors(error));
      setFeedback({ tone: 'error', text: describeError(error) });
      setPending(false);
    }
  };

  return (
    <Page title="Sign in">
      <SsoButton sso={settings?.sso} />
      <form className="card form" onSubmit={(event) => void submit(event)}>
        <StatusMessage feedback={feedback} />
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
        <Field label="Password" error={errors.password}>
          {(control) => (
            <input
              {...control}
              type="password"
              name="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          )}
        </Field>
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={pending}>
            {pending ? 'Signing in…' : 'Sign in'}
          </button>
          {settings?.passwordReset ? (
            <Link to="/forgot-password" state={forgotState} style={{ alignSelf: 'center' }}>
              Forgot password?
            </Link>
          ) : null}
        </div>
      </form>
      {settings?.signupEnabled ? (
        <p className="below-card">
          New here? <Link to="/signup">Create a student account</Link>
        </p>
      ) : null}
    </Page>
  );
}
