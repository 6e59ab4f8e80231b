import { useCallback, useId, useState, type FormEvent } from 'react';
import { Link } from 'react-router-dom';
import type { ExamSession, Intervention } from '@invigil/contracts';
import { describeError } from '../api/errors';
import { staffToolsApi } from '../api/staff-tools';
import { ConfirmButton } from '../ui/confirm-button';
import { StatusMessage } from '../ui/status-message';
import { useActionFeedback } from '../ui/use-action-feedback';
import { useResource } from '../ui/use-resource';
import { availableInterventions } from './detail-model';
import './staff-tools.css';

/** The attempts of the session's registration, linked, when there is more than one. */
function Attempts({ session }: { session: ExamSession }) {
  const load = useCallback(
    (signal: AbortSignal) => staffToolsApi.attempts(session.id, signal),
    // Reloaded when this attempt changes (a new one granted supersedes it).
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [session.id, session.supersededAt],
  );
  const { data } = useResource(load);
  if (!data || data.length < 2) return null;
  return (
    <nav aria-label="Attempts of this registration" className="pd-attempts">
      <p className="small">
        Attempt {session.attempt} of {data.length}
        {session.supersededAt ? ' (a newer attempt replaced it)' : ''}:
      </p>
      <ul className="small">
        {data.map((attempt) => (
          <li key={attempt.id}>
            {attempt.id === session.id ? (
              <span aria-current="page">Attempt {attempt.attempt} (this one)</span>
            ) : (
              <Link to={`/proctor/sessions/${encodeURIComponent(attempt.id)}`}>
                Attempt {attempt.attempt}
              </Link>
            )}{' '}
            · {attempt.state.replace('_', ' ')}
          </li>
        ))}
      </ul>
    </nav>
  );
}

/**
 * Staff tools for a stuck or wronged attempt, beside the interventions: add time to this
 * attempt, reopen a terminated one (it comes back paused with the time it had left; resume it
 * when the student is back), or grant a new attempt on the same registration. Each needs a
 * reason, which is audited and shown in the history and the review.
 */
export function StaffTools({
  session,
  canAct,
  onSession,
}: {
  session: ExamSession;
  /** The exam's proctors and admins. */
  canAct: boolean;
  onSession: (session: ExamSession) => void;
}) {
  const id = useId();
  const [minutes, setMinutes] = useState('10');
  const [reason, setReason] = useState('');
  const {
    pending,
    feedback,
    setFeedback,
    run: runAction,
  } = useActionFeedback<'extend' | 'reopen' | 'new'>();
  const allowed = availableInterventions(session.state);
  const current = session.supersededAt === null;
  const anyAllowed = allowed.extend_time || allowed.reopen || allowed.new_attempt;

  const run = async (what: 'extend' | 'reopen' | 'new', action: () => Promise<string>) => {
    if (!reason.trim()) {
      setFeedback({ tone: 'error', text: 'Write the reason first: it is audited and shown.' });
      return;
    }
    if (await runAction(what, action)) setReason('');
  };

  const extend = (event: FormEvent) => {
    event.preventDefault();
    const value = Number(minutes);
    if (!Number.isInteger(value) || value < 1 || value > 600) {
      setFeedback({ tone: 'error', text: 'Give a whole number of minutes from 1 to 600.' });
      return;
    }
    void run('extend', async () => {
      const updated = await staffToolsApi.extendTime(session.id, {
        minutes: value,
        reason: reason.trim(),
      });
      onSession(updated);
      return `${value} minutes added. The student’s timer shows the new time.`;
    });
  };
  const reopen = () =>
    void run('reopen', async () => {
      onSession(await staffToolsApi.reopen(session.id, { reason: reason.trim() }));
      return 'Attempt reopened, paused with the time it had left. Resume it when the student is back.';
    });
  const grant = () =>
    void run('new', async () => {
      const fresh = await staffToolsApi.newAttempt(session.id, { reason: reason.trim() });
      onSession({ ...session, supersededAt: fresh.updatedAt });
      return `Attempt ${fresh.attempt} granted (linked below). The student starts it from “My exams”.`;
    });

  const busy = pending !== null;
  return (
    <div className="pd-staff-tools">
      <StatusMessage feedback={feedback} />
      <Attempts session={session} />
      {!canAct ? (
        <p className="muted small">Only the exam’s proctors and admins can use these.</p>
      ) : !current ? (
        <p className="muted small">
          This attempt stays for the record; use the staff tools on the newest one.
        </p>
      ) : !anyAllowed ? (
        <p className="muted small">
          Time can be added while the attempt runs; a terminated attempt can be reopened, and a
          finished one replaced by a new attempt.
        </p>
      ) : (
        <form className="pd-intervention-form" onSubmit={extend}>
          <label htmlFor={`${id}-reason`}>Reason (audited, shown in the review)</label>
          <textarea
            id={`${id}-reason`}
            rows={2}
            maxLength={1000}
            value={reason}
            aria-describedby={`${id}-reason-hint`}
            onChange={(event) => setReason(event.target.value)}
          />
          <p id={`${id}-reason-hint`} className="hint">
            Every action below needs it.
          </p>
          {allowed.extend_time ? (
            <div className="pd-staff-row">
              <label htmlFor={`${id}-minutes`}>Minutes to add</label>
              <input
                id={`${id}-minutes`}
                type="number"
                min={1}
                max={600}
                step={1}
                inputMode="numeric"
                value={minutes}
                onChange={(event) => setMinutes(event.target.value)}
              />
              <button type="submit" className="button secondary small" disabled={busy}>
                {pending === 'extend' ? 'Adding…' : 'Add time'}
              </button>
            </div>
          ) : null}
          {allowed.reopen ? (
            <ConfirmButton
              label="Reopen the attempt"
              question="Reopen this attempt, paused, with the time it had left?"
              confirmLabel="Reopen"
              keepLabel="Keep it terminated"
              className="button secondary small"
              disabled={busy || !reason.trim()}
              pending={pending === 'reopen'}
              pendingLabel="Reopening…"
              onConfirm={reopen}
            />
          ) : null}
          {allowed.new_attempt ? (
            <ConfirmButton
              label="Grant a new attempt"
              question="Give the student a fresh attempt? This one stays for the record."
              confirmLabel="Grant it"
              keepLabel="Cancel"
              className="button secondary small"
              disabled={busy || !reason.trim()}
              pending={pending === 'new'}
              pendingLabel="Granting…"
              onConfirm={grant}
            />
          ) : null}
        </form>
      )}
    </div>
  );
}

/** A "Withdraw request" button for a pending room scan or new-identity-photo request. */
export function WithdrawRequest({
  intervention,
  onWithdrawn,
}: {
  intervention: Intervention;
  onWithdrawn: (intervention: Intervention) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const withdraw = async () => {
    setBusy(true);
    setError(null);
    try {
      onWithdrawn(await staffToolsApi.cancelRequest(intervention.sessionId, intervention.id));
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button
        type="button"
        className="button secondary small"
        disabled={busy}
        onClick={() => void withdraw()}
      >
        {busy ? 'Withdrawing…' : 'Withdraw request'}
      </button>
      <span role="alert">{error ? <span className="text-danger small"> {error}</span> : null}</span>
    </>
  );
}
