import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { PASSWORD_MIN_LENGTH } from '@invigil/contracts';
import { describeError, fieldErrors } from '../api/errors';
import { Field } from '../ui/field';
import { Page } from '../ui/page';
import { Notice, StatusMessage, type Feedback } from '../ui/status-message';
import { Loading } from '../ui/states';
import { homePath } from './roles';
import { useSession } from './session';
import { usePublicSettings } from './use-public-settings';

/** The password rules shown beside every new-password field. */
export const PASSWORD_HINT = `At least ${PASSWORD_MIN_LENGTH} characters. Not a common password, and not your e-mail address.`;

/** /signup: student self-registration (when an administrator has enabled it). */
export function SignUpPage() {
  const { signup } = useSession();
  const navigate = useNavigate();
  const { settings, failed } = usePublicSettings();
  const enabled = settings?.signupEnabled ?? failed;
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [pending, setPending] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [feedback, setFeedback] = useState<Feedback | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (password.length < PASSWORD_MIN_LENGTH) {
      setErrors({ password: `Use at least ${PASSWORD_MIN_LENGTH} characters.` });
      setFeedback({ tone: 'error', text: 'Please correct the password.' });
      return;
    }
    setPending(true);
    setErrors({});
    setFeedback(null);
    try {
      const user = await signup({ name: name.trim(), email: email.trim(), password });
      navigate(homePath(user.role), { replace: true });
    } catch (error) {
      const fields = fieldErrors(error);
      const code = (error as { code?: string }).code;
      if (code === 'WEAK_PASSWORD') fields.password = describeError(error);
      if (code === 'EMAIL_TAKEN' || code === 'SIGNUP_DOMAIN_NOT_ALLOWED') {
        fields.email = describeError(error);
      }
      setErrors(fields);
      setFeedback({ tone: 'error', text: describeError(error) });
      setPending(false);
    }
  };

  if (settings === null && !failed) {
    return (
      <Page title="Create an account">
        <Loading />
      </Page>
    );
  }

  return (
    <Page title="Create an account" intro="A student account lets you register for exams.">
      {!enabled ? (
        <Notice>Self sign-up is turned off. Ask your administrator for an account.</Notice>
      ) : (
        <form className="card form" onSubmit={(event) => void submit(event)}>
          <StatusMessage feedback={feedback} />
          <Field label="Full name" error={errors.name}>
            {(control) => (
              <input
                {...control}
                name="name"
                autoComplete="name"
                required
                maxLength={120}
                value={name}
                onChange={(event) => setName(event.target.value)}
              />
            )}
          </Field>
          <Field label="E-mail" error={errors.email}>
            {(control) => (
              <input
                {...control}
                type="email"
                name="email"
                autoComplete="email"
                required
                value={email}
                onChange={(event) => setEmail(event.target.value)}
              />
            )}
          </Field>
          <Field label="Password" hint={PASSWORD_HINT} error={errors.password}>
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
          <div className="form-actions">
            <button type="submit" className="button primary" disabled={pending || !enabled}>
              {pending ? 'Creating account…' : 'Create account'}
            </button>
          </div>
        </form>
      )}
      <p className="below-card">
        Already have an account? <Link to="/signin">Sign in</Link>
      </p>
    </Page>
  );
}
