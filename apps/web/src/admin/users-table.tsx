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
import { disableQuestion, enableQuestion, roleChangedText } from './account-changes';
import { RoleChange } from './role-change';
import { SetPassword } from './set-password';

/**
 * The user list with role changes and enable/disable per row; each asks first and says what
 * will change.
 */
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
        <RoleChange
          user={u}
          disabled={pending !== null || u.id === me.id}
          onConfirm={(role) => void update(u, { role }, roleChangedText(u, role))}
        />
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
              <ConfirmButton
                label="Enable"
                question={enableQuestion(u)}
                confirmLabel="Enable"
                keepLabel="Cancel"
                className="button secondary small"
                pending={pending === u.id}
                pendingLabel="Enabling…"
                disabled={pending !== null}
                describedBy={`user-${u.id}`}
                onConfirm={() =>
                  void update(u, { disabled: false }, `${u.name} can sign in again.`)
                }
              />
            ) : (
              <ConfirmButton
                label="Disable"
                question={disableQuestion(u)}
                keepLabel="Cancel"
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
