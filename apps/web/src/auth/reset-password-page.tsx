import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { PASSWORD_MIN_LENGTH } from '@invigil/contracts';
import { authApi } from '../api/endpoints';
import { Field } from '../ui/field';
import { Page } from '../ui/page';
import { Notice, StatusMessage, type Feedback } from '../ui/status-message';
import type { SignInState } from './guards';
import { newPasswordProblems, resetFailure } from './password-reset-model';
import { useSession } from './session';
import { PASSWORD_HINT } from './signup-page';

/**
 * /reset-password?token=…: choose a new password with the link from the e-mail. Open whether
 * or not someone is signed in on this browser; success signs the account out everywhere, so
 * the next step is always the sign-in page.
 */
export function ResetPasswordPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const { user, reload } = useSession();
  const navigate = useNavigate();
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [pending, setPending] = useState(false);
  const [linkUnusable, setLinkUnusable] = useState(token === '');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [feedback, setFeedback] = useState<Feedback | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const local = newPasswordProblems(password, repeat);
    if (Object.keys(local).length > 0) {
      setErrors(local);
      setFeedback({ tone: 'error', text: 'Please correct the fields marked below.' });
      return;
    }
    setPending(true);
    setErrors({});
    setFeedback(null);
    try {
      await authApi.confirmPasswordReset({ token, password });
      // A session on this browser was revoked with all the others: find that out now.
      if (user) reload();
      const state: SignInState = { passwordReset: true };
      navigate('/signin', { replace: true, state });
    } catch (error) {
      const failure = resetFailure(error);
      setErrors(failure.fields);
      setFeedback({ tone: 'error', text: failure.message });
      setLinkUnusable(failure.linkUnusable);
      setPending(false);
    }
  };

  return (
    <Page title="Choose a new password">
      <StatusMessage feedback={feedback} />
      {linkUnusable ? (
        <>
          {token === '' ? (
            <Notice>
              This page needs the link from your password reset e-mail. Open the link from the
              e-mail, or ask for a new one.
            </Notice>
          ) : null}
          <p>
            <Link to="/forgot-password" className="button primary">
              Ask for a new link
            </Link>
          </p>
        </>
      ) : (
        <form className="card form" onSubmit={(event) => void submit(event)} noValidate>
          <Field label="New password" hint={PASSWORD_HINT} error={errors.password}>
            {(control) => (
              <input
                {...control}
                type="password"
                name="password"
                autoComplete="new-password"
                required
                minLength={PASSWORD_MIN_LENGTH}
                value={password}
                onChange={(event) => setPassword(event.target.value)}
              />
            )}
          </Field>
          <Field label="Repeat the new password" error={errors.repeat}>
            {(control) => (
              <input
                {...control}
                type="password"
                name="repeat"
                autoComplete="new-password"
                required
                value={repeat}
                onChange={(event) => setRepeat(event.target.value)}
              />
            )}
          </Field>
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={pending}>
              {pending ? 'Saving…' : 'Set the new password'}
            </button>
          </div>
        </form>
      )}
      <p className="below-card">
        <Link to="/signin">Back to sign in</Link>
      </p>
    </Page>
  );
}
