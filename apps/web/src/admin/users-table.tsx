import { useState } from 'react';
import type { Role, User } from '@invigil/contracts';
import { usersApi } from '../api/endpoints';
import { describeError } from '../api/errors';
import { useUser } from '../auth/session';
import { formatDateTime } from '../lib/datetime';
import { ConfirmButton } from '../ui/confirm-button';
import { ResourceView } from '../ui/states';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { Table, type Column } from '../ui/table';
import type { Resource } from '../ui/use-resource';
import { ROLES, ROLE_LABELS } from '../auth/role-labels';
import { SetPassword } from './set-password';

/** The user list with role changes and enable/disable per row. */
export function UsersTable({ users }: { users: Resource<User[]> }) {
  const me = useUser();
  const [pending, setPending] = useState<string | null>(null);
  const [feedback, setFeedback] = useState<Feedback | null>(null);

  const update = async (user: User, change: { role?: Role; disabled?: boolean }, done: string) => {
    setPending(user.id);
    setFeedback(null);
    try {
      const saved = await usersApi.update(user.id, change);
      users.mutate((list) => list?.map((u) => (u.id === saved.id ? saved : u)));
      setFeedback({ tone: 'success', text: done });
    } catch (error) {
      setFeedback({ tone: 'error', text: `${user.name} not changed: ${describeError(error)}` });
    } finally {
      setPending(null);
    }
  };

  const columns: Column<User>[] = [
    {
      header: 'Name',
      cell: (u) => (
        <>
          <span id={`user-${u.id}`}>{u.name}</span>
          {u.id === me.id ? <span className="muted small"> (you)</span> : null}
        </>
      ),
    },
    { header: 'E-mail', cell: (u) => <span className="break">{u.email}</span> },
    {
      header: 'Role',
      cell: (u) => (
        <select
          aria-label={`Role of ${u.name}`}
          value={u.role}
          disabled={pending !== null || u.id === me.id}
          onChange={(e) => {
            const role = e.target.value as Role;
            void update(u, { role }, `${u.name} is now ${ROLE_LABELS[role].toLowerCase()}.`);
          }}
        >
          {ROLES.map((role) => (
            <option key={role} value={role}>
              {ROLE_LABELS[role]}
            </option>
          ))}
        </select>
      ),
    },
    {
      header: 'Account',
      cell: (u) =>
        u.disabled ? (
          <span className="badge badge-archived">Disabled</span>
        ) : (
          <span className="badge badge-published">Active</span>
        ),
    },
    { header: 'Last sign-in', cell: (u) => formatDateTime(u.lastLoginAt) },
    {
      header: 'Actions',
      hideHeader: true,
      className: 'actions',
      cell: (u) =>
        u.id === me.id ? null : (
          <div className="row-actions">
            <SetPassword
              user={u}
              disabled={pending !== null}
              onDone={(text) => setFeedback({ tone: 'success', text })}
            />
            {u.disabled ? (
              <button
                type="button"
                className="button secondary small"
                disabled={pending !== null}
                aria-describedby={`user-${u.id}`}
                onClick={() => void update(u, { disabled: false }, `${u.name} can sign in again.`)}
              >
                {pending === u.id ? 'Enabling…' : 'Enable'}
              </button>
            ) : (
              <ConfirmButton
                label="Disable"
                question={`Disable ${u.name}? They will be signed out.`}
                confirmLabel="Disable"
                className="button danger small"
                pending={pending === u.id}
                pendingLabel="Disabling…"
                disabled={pending !== null}
                describedBy={`user-${u.id}`}
                onConfirm={() => void update(u, { disabled: true }, `${u.name} is disabled.`)}
              />
            )}
          </div>
        ),
    },
  ];

  return (
    <>
      <StatusMessage feedback={feedback} />
      <ResourceView resource={users} empty="No users match.">
        {(list) => <Table caption="Users" columns={columns} rows={list} rowKey={(u) => u.id} />}
      </ResourceView>
    </>
  );
}
