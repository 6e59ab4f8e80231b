import { useCallback, useState } from 'react';
import type { AuthSession } from '@invigil/contracts';
import { authApi } from '../api/endpoints';
import { describeError } from '../api/errors';
import { useSession } from '../auth/session';
import { browserLabel } from './browser-label';
import { formatDateTime } from '../lib/datetime';
import { ConfirmButton } from '../ui/confirm-button';
import { ResourceView } from '../ui/states';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { Table, type Column } from '../ui/table';
import { useResource } from '../ui/use-resource';

/** A session's browser as the list names it: "This browser", or "Chrome on Linux". */
const browserOf = (s: AuthSession): string =>
  s.current ? 'This browser' : browserLabel(s.userAgent);

/**
 * The user's signed-in browsers, each with a way to sign it out. Signing out this browser
 * asks first (it ends what the user is doing); others go at once.
 */
export function SignInSessions() {
  const load = useCallback((signal: AbortSignal) => authApi.sessions(signal), []);
  const sessions = useResource(load);
  const { logout } = useSession();
  const [pending, setPending] = useState<string | null>(null);
  const [feedback, setFeedback] = useState<Feedback | null>(null);

  const revoke = async (s: AuthSession) => {
    setPending(s.id);
    setFeedback(null);
    try {
      await authApi.revokeSession(s.id);
      if (s.current) {
        await logout();
        return;
      }
      setFeedback({ tone: 'success', text: `Signed out ${browserOf(s)}.` });
      sessions.reload();
    } catch (error) {
      setFeedback({ tone: 'error', text: `Not signed out: ${describeError(error)}` });
    } finally {
      setPending(null);
    }
  };

  const columns: Column<AuthSession>[] = [
    {
      header: 'Browser',
      cell: (s) => (
        <>
          <span id={`session-${s.id}`} title={s.userAgent ?? undefined}>
            {s.current ? <strong>{browserOf(s)}</strong> : browserOf(s)}
          </span>
          {/* The exact string, for whoever needs more than the label (it may be forged). */}
          {s.userAgent && (
            <details className="small">
              <summary>User agent</summary>
              <code className="user-agent">{s.userAgent}</code>
            </details>
          )}
        </>
      ),
    },
    { header: 'Address', cell: (s) => s.ip ?? 'Unknown' },
    { header: 'Signed in', cell: (s) => formatDateTime(s.createdAt) },
    { header: 'Last seen', cell: (s) => formatDateTime(s.lastSeenAt) },
    {
      header: 'Actions',
      hideHeader: true,
      className: 'actions',
      cell: (s) =>
        s.current ? (
          <ConfirmButton
            label="Sign out"
            question="Sign out this browser? You will need to sign in again."
            confirmLabel="Sign out"
            className="button danger small"
            pending={pending === s.id}
            pendingLabel="Signing out…"
            disabled={pending !== null}
            describedBy={`session-${s.id}`}
            onConfirm={() => void revoke(s)}
          />
        ) : (
          <button
            type="button"
            className="button danger small"
            disabled={pending !== null}
            aria-describedby={`session-${s.id}`}
            onClick={() => void revoke(s)}
          >
            {pending === s.id ? 'Revoking…' : 'Revoke'}
          </button>
        ),
    },
  ];

  return (
    <>
      <p className="muted">
        Where you are signed in. Revoke a browser you do not recognise, then change your password.
      </p>
      <StatusMessage feedback={feedback} />
      <ResourceView resource={sessions} empty="You are not signed in anywhere else.">
        {(list) => (
          <Table caption="Signed-in browsers" columns={columns} rows={list} rowKey={(s) => s.id} />
        )}
      </ResourceView>
    </>
  );
}
