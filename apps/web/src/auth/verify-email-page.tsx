import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { describeError } from '../api/errors';
import { signupVerificationApi } from '../api/signup-verification-api';
import { Page } from '../ui/page';
import { Notice, StatusMessage, type Feedback } from '../ui/status-message';
import { homePath } from './roles';
import { useSession } from './session';

/**
 * /verify-email?token=…: confirm an address with the link from the sign-up e-mail. Opening
 * the page changes nothing (mail scanners open links too); the button sends the secret.
 */
export function VerifyEmailPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const { user, reload } = useSession();
  const [pending, setPending] = useState(false);
  const [done, setDone] = useState(false);
  const [feedback, setFeedback] = useState<Feedback | null>(null);

  const confirm = async () => {
    setPending(true);
    setFeedback(null);
    try {
      await signupVerificationApi.verifyEmail({ token });
      setDone(true);
      setFeedback({ tone: 'success', text: 'Your e-mail address is confirmed.' });
      // The signed-in account (if this is it) may take exams now.
      if (user) reload();
    } catch (error) {
      setFeedback({ tone: 'error', text: describeError(error) });
    } finally {
      setPending(false);
    }
  };

  const next = user ? (
    <Link to={homePath(user.role)} className="button primary">
      Go to my exams
    </Link>
  ) : (
    <Link to="/signin" className="button primary">
      Sign in
    </Link>
  );

  return (
    <Page title="Confirm your e-mail address">
      <StatusMessage feedback={feedback} />
      {token === '' ? (
        <Notice>
          This page needs the link from your sign-up e-mail. Open the link from the e-mail; your
          Account page can send a new one.
        </Notice>
      ) : done ? (
        <p>You can now register for exams. {next}</p>
      ) : (
        <div className="card form">
          <p>Confirm that this e-mail address is yours, so that you can register for exams.</p>
          <div className="form-actions">
            <button
              type="button"
              className="button primary"
              disabled={pending}
              onClick={() => void confirm()}
            >
              {pending ? 'Confirming…' : 'Confirm my e-mail address'}
            </button>
          </div>
        </div>
      )}
      <p className="below-card">
        <Link to={user ? '/account' : '/signin'}>{user ? 'Your account' : 'Back to sign in'}</Link>
      </p>
    </Page>
  );
}
