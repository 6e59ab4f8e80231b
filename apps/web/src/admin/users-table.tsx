import { useState } from 'react';
import type { ErasureReceipt, Role, User } from '@invigil/contracts';
import { usersApi } from '../api/endpoints';
import { signupVerificationApi } from '../api/signup-verification-api';
import { describeError } from '../api/errors';
import { useUser } from '../auth/session';
import { formatDateTime } from '../lib/datetime';
import { ConfirmButton } from '../ui/confirm-button';
import { ResourceView } from '../ui/states';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { Table, type Column } from '../ui/table';
import type { Resource } from '../ui/use-resource';
import { accessToggle, roleChangedText, type AccessToggle } from './account-changes';
import { ErasureAction, ErasureReceiptView } from './erasure-action';
import { RoleChange } from './role-change';
import { MfaResetAction } from './mfa-reset-action';
import { SetPassword } from './set-password';
import { SignupPendingBadge, SignupReviewActions } from './signup-review';
import { UserDataExport } from './user-data-export';
import { UserMoreActions } from './user-more-actions';

/**
 * The user list with role changes and enable/disable per row; each asks first and says what
 * will change. Sign-up review and enable/disable stay in view; the rarer actions (password,
 * two-step sign-in reset, data export, erasure) sit behind each row's "More actions".
 */
export function UsersTable({ users }: { users: Resource<User[]> }) {
  const me = useUser();
  const [pending, setPending] = useState<string | null>(null);
  const [reviewing, setReviewing] = useState<'approve' | 'reject' | null>(null);
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const [receipt, setReceipt] = useState<ErasureReceipt | null>(null);

  const review = async (user: User, decision: 'approve' | 'reject') => {
    setPending(user.id);
    setReviewing(decision);
    setFeedback(null);
    try {
      const saved = await signupVerificationApi[decision](user.id);
      users.mutate((list) => list?.map((u) => (u.id === saved.id ? saved : u)));
      setFeedback({
        tone: 'success',
        text:
          decision === 'approve'
            ? `${user.name} is approved and may register for exams.`
            : `${user.name} is rejected: the account is disabled.`,
      });
    } catch (error) {
      setFeedback({ tone: 'error', text: `${user.name} not changed: ${describeError(error)}` });
    } finally {
      setPending(null);
      setReviewing(null);
    }
  };

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
      cell: (u) => (
        <>
          {u.disabled ? (
            <span className="badge badge-archived">Disabled</span>
          ) : (
            <span className="badge badge-published">Active</span>
          )}{' '}
          <SignupPendingBadge user={u} />
        </>
      ),
    },
    { header: 'Last sign-in', cell: (u) => formatDateTime(u.lastLoginAt) },
    {
      header: 'Actions',
      hideHeader: true,
      className: 'actions',
      cell: (u) =>
        u.id === me.id ? null : (
          <UserMoreActions
            user={u}
            actions={
              <>
                <SignupReviewActions
                  user={u}
                  pending={pending === u.id ? reviewing : null}
                  disabled={pending !== null}
                  onApprove={() => void review(u, 'approve')}
                  onReject={() => void review(u, 'reject')}
                />
                {/* A waiting account is refused with Reject (which disables it) instead. */}
                {u.signupPending && !u.disabled ? null : (
                  <AccessButton
                    toggle={accessToggle(u)}
                    pending={pending === u.id}
                    disabled={pending !== null}
                    describedBy={`user-${u.id}`}
                    onConfirm={(t) => void update(u, { disabled: t.disabled }, t.done)}
                  />
                )}
              </>
            }
          >
            <SetPassword
              user={u}
              disabled={pending !== null}
              onDone={(text) => setFeedback({ tone: 'success', text })}
            />
            {u.secondFactor && (
              <MfaResetAction
                user={u}
                disabled={pending !== null}
                onDone={(tone, text) => {
                  setFeedback({ tone, text });
                  users.reload();
                }}
              />
            )}
            <UserDataExport user={u} disabled={pending !== null} />
            <ErasureAction
              user={u}
              disabled={pending !== null}
              onErased={(done) => {
                setReceipt(done);
                users.reload();
              }}
            />
          </UserMoreActions>
        ),
    },
  ];

  return (
    <>
      <StatusMessage feedback={feedback} />
      {receipt ? <ErasureReceiptView receipt={receipt} onClose={() => setReceipt(null)} /> : null}
      <ResourceView resource={users} empty="No users match.">
        {(list) => <Table caption="Users" columns={columns} rows={list} rowKey={(u) => u.id} />}
      </ResourceView>
    </>
  );
}

/** Disable an account, or enable it again, after a question that says what that does. */
function AccessButton(props: {
  toggle: AccessToggle;
  pending: boolean;
  disabled: boolean;
  describedBy: string;
  onConfirm: (toggle: AccessToggle) => void;
}) {
  const { toggle } = props;
  return (
    <ConfirmButton
      label={toggle.label}
      question={toggle.question}
      confirmLabel={toggle.label}
      keepLabel="Cancel"
      className={`button ${toggle.danger ? 'danger' : 'secondary'} small`}
      pending={props.pending}
      pendingLabel={toggle.pendingLabel}
      disabled={props.disabled}
      describedBy={props.describedBy}
      onConfirm={() => props.onConfirm(toggle)}
    />
  );
}
