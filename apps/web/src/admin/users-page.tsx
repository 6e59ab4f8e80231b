import { useCallback, useState } from 'react';
import type { Role, SignupPending } from '@invigil/contracts';
import { usersApi } from '../api/endpoints';
import { Field } from '../ui/field';
import { Page, Section } from '../ui/page';
import { useDebounced } from '../ui/use-debounced';
import { useResource } from '../ui/use-resource';
import { ROLES, ROLE_LABELS } from '../auth/role-labels';
import { MfaSettingsForm } from './mfa-settings-form';
import { RetentionSettingsForm } from './retention-settings-form';
import { SignupSettingsForm } from './signup-settings-form';
import { UserCreateForm } from './user-create-form';
import { UserImport } from './user-import';
import { UsersTable } from './users-table';

/** /admin/users: people, new accounts, CSV import and self sign-up settings. */
export function UsersPage() {
  const [role, setRole] = useState<Role | ''>('');
  const [waiting, setWaiting] = useState<SignupPending | ''>('');
  const [search, setSearch] = useState('');
  const q = useDebounced(search.trim(), 300);
  const load = useCallback(
    (signal: AbortSignal) => usersApi.list({ role, q, pending: waiting }, signal),
    [role, q, waiting],
  );
  const users = useResource(load);

  return (
    <Page title="Users">
      <Section title="People" id="people">
        <form className="toolbar" role="search" onSubmit={(e) => e.preventDefault()}>
          <Field label="Role">
            {(c) => (
              <select {...c} value={role} onChange={(e) => setRole(e.target.value as Role | '')}>
                <option value="">All roles</option>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {ROLE_LABELS[r]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Sign-up check">
            {(c) => (
              <select
                {...c}
                value={waiting}
                onChange={(e) => setWaiting(e.target.value as SignupPending | '')}
              >
                <option value="">Every account</option>
                <option value="approval">Awaiting approval</option>
                <option value="email">E-mail not verified</option>
              </select>
            )}
          </Field>
          <Field label="Search" className="grow">
            {(c) => (
              <input
                {...c}
                type="search"
                placeholder="Name or e-mail"
                value={search}
                onChange={(e) => setSearch(e.target.value)}
              />
            )}
          </Field>
        </form>
        <UsersTable users={users} />
      </Section>
      <Section title="Add a user" id="add-user">
        <UserCreateForm onCreated={users.reload} />
      </Section>
      <Section title="Import from CSV" id="import">
        <UserImport onImported={users.reload} />
      </Section>
      <Section title="Two-step sign-in" id="mfa-settings">
        <MfaSettingsForm />
      </Section>
      <Section title="Self sign-up" id="signup-settings">
        <SignupSettingsForm />
      </Section>
      <Section title="Data retention" id="retention-settings">
        <RetentionSettingsForm />
      </Section>
    </Page>
  );
}
