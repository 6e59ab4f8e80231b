import { MfaAddFactor } from '../account/mfa-add-factor';
import { Page } from '../ui/page';
import { useSession } from './session';
import '../account/mfa.css';

/**
 * Shown instead of every signed-in page while the user's role must have a second factor and
 * has none (the server answers nothing else meanwhile): why, the setup, and a way out.
 */
export function SecondFactorEnrolment() {
  const { secondFactorDone, logout } = useSession();
  return (
    <main id="main" className="main narrow">
      <Page
        title="Set up two-step sign-in"
        intro="Your administrator requires a second step for staff accounts: after your password, Invigil will ask for a code from an authenticator app, or for a passkey or security key. Set one up to continue."
      >
        <MfaAddFactor onFinished={secondFactorDone} />
        <p>
          <button type="button" className="button secondary" onClick={() => void logout()}>
            Sign out
          </button>
        </p>
      </Page>
    </main>
  );
}
