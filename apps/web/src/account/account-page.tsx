import { useUser } from '../auth/session';
import { isStaff } from '../auth/roles';
import { formatDateTime } from '../lib/datetime';
import { ROLE_LABELS } from '../auth/role-labels';
import { Page, Section } from '../ui/page';
import { ApiTokens } from './api-tokens';
import { ChangePasswordForm } from './change-password-form';
import { DataExportSection } from './data-export';
import { MfaSection } from './mfa-section';
import { SignInSessions } from './sign-in-sessions';
import { SignupPendingNotice } from './signup-pending-notice';

/** /account: profile summary, password change, signed-in browsers and (for staff) API tokens. */
export function AccountPage() {
  const user = useUser();
  return (
    <Page title="Account">
      <Section title="Profile" id="profile">
        <dl className="facts facts-natural">
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
            <dt>Sign-up</dt>
            <dd>
              {user.signupPending === 'email'
                ? 'E-mail not confirmed yet'
                : user.signupPending === 'approval'
                  ? 'Waiting for approval'
                  : 'Complete'}
            </dd>
          </div>
          <div>
            <dt>Member since</dt>
            <dd>{formatDateTime(user.createdAt)}</dd>
          </div>
        </dl>
        <SignupPendingNotice user={user} />
      </Section>
      <Section title="Change password" id="password">
        <ChangePasswordForm />
      </Section>
      <Section title="Two-step sign-in" id="two-step">
        <MfaSection />
      </Section>
      <Section title="Signed-in browsers" id="sessions">
        <SignInSessions />
      </Section>
      {user.role === 'student' ? (
        <Section title="Your data" id="your-data">
          <DataExportSection />
        </Section>
      ) : null}
      {isStaff(user.role) ? (
        <Section title="API tokens" id="tokens">
          <ApiTokens role={user.role} />
        </Section>
      ) : null}
    </Page>
  );
}
