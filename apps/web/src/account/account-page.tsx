import { useUser } from '../auth/session';
import { isStaff } from '../auth/roles';
import { formatDateTime } from '../lib/datetime';
import { ROLE_LABELS } from '../auth/role-labels';
import { Page, Section } from '../ui/page';
import { ApiTokens } from './api-tokens';
import { ChangePasswordForm } from './change-password-form';
import { SignInSessions } from './sign-in-sessions';

/** /account: profile summary, password change, signed-in browsers and (for staff) API tokens. */
export function AccountPage() {
  const user = useUser();
  return (
    <Page title="Account">
      <Section title="Profile" id="profile">
        <dl className="facts">
          <div>
            <dt>Name</dt>
            <dd>{user.name}</dd>
          </div>
          <div>
            <dt>E-mail</dt>
            <dd className="break">{user.email}</dd>
          </div>
          <div>
            <dt>Role</dt>
            <dd>{ROLE_LABELS[user.role]}</dd>
          </div>
          <div>
            <dt>Member since</dt>
            <dd>{formatDateTime(user.createdAt)}</dd>
          </div>
        </dl>
      </Section>
      <Section title="Change password" id="password">
        <ChangePasswordForm />
      </Section>
      <Section title="Signed-in browsers" id="sessions">
        <SignInSessions />
      </Section>
      {isStaff(user.role) ? (
        <Section title="API tokens" id="tokens">
          <ApiTokens role={user.role} />
        </Section>
      ) : null}
    </Page>
  );
}
