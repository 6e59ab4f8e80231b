import { Page } from '../ui/page';
import { SecondFactorVerify } from './second-factor-verify';
import { useSession } from './session';
import '../account/mfa.css';

/**
 * The second step of signing in, shown instead of every signed-in page until the session has
 * proved its second factor (the server answers nothing else meanwhile).
 */
export function SecondFactorStep() {
  const { secondFactorDone, logout } = useSession();
  return (
    <main id="main" className="main narrow">
      <Page
        title="Confirm it’s you"
        intro="Your account uses two-step sign-in. Use your passkey or security key, or enter a code from your authenticator app."
      >
        <SecondFactorVerify onVerified={secondFactorDone} />
        <p>
          <button type="button" className="button secondary" onClick={() => void logout()}>
            Cancel and sign out
          </button>
        </p>
      </Page>
    </main>
  );
}
