import { useNavigate } from 'react-router-dom';
import { ChangePasswordForm } from '../account/change-password-form';
import { Page } from '../ui/page';
import { homePath } from './roles';
import { useSession, useUser } from './session';

/**
 * Shown instead of every signed-in page while an administrator-set password awaits changing
 * (the server answers nothing else meanwhile): why, the form, and a way out. Once changed,
 * the user goes on to their start page.
 */
export function PasswordChangeRequired() {
  const user = useUser();
  const { passwordChanged, logout } = useSession();
  const navigate = useNavigate();
  return (
    <main id="main" className="main narrow">
      <Page
        title="Choose a new password"
        intro="An administrator set your password, so someone else knows it. Choose your own before you continue: enter the password you were given as the current one."
      >
        <ChangePasswordForm
          onChanged={() => {
            passwordChanged();
            void navigate(homePath(user.role), { replace: true });
          }}
        />
        <p>
          <button type="button" className="button secondary" onClick={() => void logout()}>
            Sign out
          </button>
        </p>
      </Page>
    </main>
  );
}
