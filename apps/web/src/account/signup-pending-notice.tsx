import { useState } from 'react';
import type { User } from '@invigil/contracts';
import { describeError } from '../api/errors';
import { signupVerificationApi } from '../api/signup-verification-api';
import { useSession } from '../auth/session';
import { Notice, StatusMessage, type Feedback } from '../ui/status-message';

/** What the account's sign-up state means for the student, in one sentence. */
export function signupPendingText(user: Pick<User, 'email' | 'signupPending'>): string | null {
  if (user.signupPending === 'email') {
    return `Check your inbox: we sent a link to ${user.email}. Open it to confirm your address; then you can register for exams.`;
  }
  if (user.signupPending === 'approval') {
    return 'Your account is waiting for an administrator’s approval. You can look around, and register for exams once it is approved.';
  }
  return null;
}

/**
 * Shown while a self-signed-up account may not take exams yet: what it waits for and, for an
 * unverified address, a button that sends a new link. Nothing for other accounts.
 */
export function SignupPendingNotice({ user }: { user: User }) {
  const { reload } = useSession();
  const [sending, setSending] = useState(false);
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const text = signupPendingText(user);
  if (!text) return null;

  const resend = async () => {
    setSending(true);
    setFeedback(null);
    try {
      const { signupPending } = await signupVerificationApi.resend();
      if (signupPending === 'approval') {
        // No e-mail can be sent any more: the account now waits for an administrator.
        reload();
        return;
      }
      setFeedback({ tone: 'success', text: `A new link is on its way to ${user.email}.` });
    } catch (error) {
      setFeedback({ tone: 'error', text: `No link sent: ${describeError(error)}` });
    } finally {
      setSending(false);
    }
  };

  return (
    <div className="signup-pending">
      <Notice tone="info">
        <p>
          <strong>
            {user.signupPending === 'email'
              ? 'Confirm your e-mail address'
              : 'Waiting for approval'}
          </strong>
        </p>
        <p>{text}</p>
        {user.signupPending === 'email' ? (
          <p>
            <button
              type="button"
              className="button secondary small"
              disabled={sending}
              onClick={() => void resend()}
            >
              {sending ? 'Sending…' : 'Send a new link'}
            </button>
          </p>
        ) : null}
      </Notice>
      <StatusMessage feedback={feedback} />
    </div>
  );
}
