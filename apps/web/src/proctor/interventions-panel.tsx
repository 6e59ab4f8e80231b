import { useId, useState, type FormEvent } from 'react';
import type {
  ExamSession,
  Intervention,
  InterventionBody,
  InterventionKind,
} from '@invigil/contracts';
import { proctorApi } from '../api/endpoints';
import { formatDateTime } from '../lib/datetime';
import { ConfirmButton } from '../ui/confirm-button';
import { ErrorState } from '../ui/states';
import { StatusMessage } from '../ui/status-message';
import { useActionFeedback } from '../ui/use-action-feedback';
import { INTERVENTION_LABEL, availableInterventions, interventionAnswer } from './detail-model';
import { WithdrawRequest } from './staff-tools';

const DONE: Record<InterventionKind, string> = {
  warning: 'Warning sent. The student must acknowledge it.',
  pause: 'Attempt paused. The timer has stopped.',
  resume: 'Attempt resumed.',
  terminate: 'Attempt terminated.',
  room_scan: 'Room scan requested.',
  re_enrol: 'New identity photos requested. The old ones stay as evidence.',
  // Sent from the staff tools (staff-tools.tsx), listed here for the history.
  extend_time: 'Time added.',
  reopen: 'Attempt reopened.',
  new_attempt: 'New attempt granted.',
};

/** What this panel sends (the staff tools have their own section). */
const PANEL_KINDS: readonly InterventionKind[] = [
  'warning',
  'pause',
  'resume',
  'terminate',
  'room_scan',
  're_enrol',
];

/** A request the student still has to answer, which staff may withdraw. */
const withdrawable = (item: Intervention) =>
  (item.kind === 'room_scan' || item.kind === 're_enrol') &&
  item.completedAt === null &&
  item.cancelledAt === null;

/**
 * The interventions and staff actions so far, newest first, with the student's answers; a
 * pending request can be withdrawn from here (`canAct`).
 */
function InterventionHistory({
  items,
  canAct,
  onChanged,
}: {
  items: readonly Intervention[];
  canAct: boolean;
  onChanged: (intervention: Intervention) => void;
}) {
  if (items.length === 0) return <p className="muted small">No interventions yet.</p>;
  return (
    <ol className="pd-intervention-history" aria-label="Intervention history, newest first">
      {[...items].reverse().map((item) => {
        const answer = interventionAnswer(item);
        const answered = item.cancelledAt ?? item.completedAt ?? item.acknowledgedAt;
        return (
          <li key={item.id} className={`pd-intervention pd-intervention-${item.kind}`}>
            <p className="pd-intervention-title">
              <strong>
                {INTERVENTION_LABEL[item.kind]}
                {item.minutes !== null ? `: ${item.minutes} minutes` : ''}
              </strong>{' '}
              <span className="muted small">
                {formatDateTime(item.createdAt)}
                {item.by ? ` by ${item.by.name}` : ''}
              </span>
            </p>
            {item.message ? <p className="pd-intervention-message">“{item.message}”</p> : null}
            {answer ? (
              <p className={`small ${answered ? 'text-success' : 'text-warn'}`}>
                {answer}
                {answered ? ` (${formatDateTime(answered)})` : ''}
                {item.cancelledBy ? ` by ${item.cancelledBy.name}` : ''}
              </p>
            ) : null}
            {canAct && withdrawable(item) ? (
              <WithdrawRequest intervention={item} onWithdrawn={onChanged} />
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}

/**
 * Warn, pause or resume, terminate (with a reason and a confirmation), or ask for a room
 * scan or new identity photos, for the exam's proctors; the result is announced and the
 * history follows live.
 */
export function InterventionsPanel({
  session,
  items,
  loadError,
  canAct,
  onSent,
  onReload,
}: {
  session: ExamSession;
  items: readonly Intervention[];
  loadError: unknown;
  /** Only the exam's proctors (and admins) may intervene. */
  canAct: boolean;
  onSent: (intervention: Intervention) => void;
  onReload: () => void;
}) {
  const id = useId();
  const [warning, setWarning] = useState('');
  const [pauseNote, setPauseNote] = useState('');
  const [reason, setReason] = useState('');
  const { pending, feedback, setFeedback, run } = useActionFeedback<InterventionKind>();
  const allowed = availableInterventions(session.state);
  const anyAllowed = PANEL_KINDS.some((kind) => allowed[kind]);

  const send = async (body: InterventionBody, clear?: () => void) => {
    await run(body.kind, async () => {
      onSent(await proctorApi.intervene(session.id, body));
      clear?.();
      return DONE[body.kind];
    });
  };

  const onWarn = (event: FormEvent) => {
    event.preventDefault();
    if (!warning.trim()) {
      setFeedback({ tone: 'error', text: 'Write the warning the student will see.' });
      return;
    }
    void send({ kind: 'warning', message: warning.trim() }, () => setWarning(''));
  };

  const busy = pending !== null;
  return (
    <div className="pd-interventions">
      <StatusMessage feedback={feedback} />
      {!canAct ? (
        <p className="muted small">Only the exam’s proctors and admins can intervene.</p>
      ) : !anyAllowed ? (
        <p className="muted small">
          Interventions are possible while the attempt is checking in, in progress or paused.
        </p>
      ) : (
        <>
          {allowed.warning ? (
            <form className="pd-intervention-form" onSubmit={onWarn}>
              <label htmlFor={`${id}-warning`}>Warning to the student</label>
              <textarea
                id={`${id}-warning`}
                rows={2}
                maxLength={1000}
                value={warning}
                onChange={(event) => setWarning(event.target.value)}
              />
              <button type="submit" className="button primary small" disabled={busy}>
                {pending === 'warning' ? 'Sending…' : 'Send warning'}
              </button>
            </form>
          ) : null}
          {allowed.pause || allowed.resume ? (
            <div className="pd-intervention-form">
              {allowed.pause ? (
                <>
                  <label htmlFor={`${id}-pause`}>Note with the pause (optional)</label>
                  <input
                    id={`${id}-pause`}
                    type="text"
                    maxLength={1000}
                    value={pauseNote}
                    onChange={(event) => setPauseNote(event.target.value)}
                  />
                  <button
                    type="button"
                    className="button secondary small"
                    disabled={busy}
                    onClick={() =>
                      void send(
                        pauseNote.trim()
                          ? { kind: 'pause', message: pauseNote.trim() }
                          : { kind: 'pause' },
                        () => setPauseNote(''),
                      )
                    }
                  >
                    {pending === 'pause' ? 'Pausing…' : 'Pause the attempt'}
                  </button>
                </>
              ) : (
                <button
                  type="button"
                  className="button primary small"
                  disabled={busy}
                  onClick={() => void send({ kind: 'resume' })}
                >
                  {pending === 'resume' ? 'Resuming…' : 'Resume the attempt'}
                </button>
              )}
            </div>
          ) : null}
          {allowed.room_scan ? (
            <div className="pd-intervention-form">
              <button
                type="button"
                className="button secondary small"
                disabled={busy}
                onClick={() => void send({ kind: 'room_scan' })}
              >
                {pending === 'room_scan' ? 'Requesting…' : 'Request a room scan'}
              </button>
            </div>
          ) : null}
          {allowed.re_enrol ? (
            <div className="pd-intervention-form">
              <button
                type="button"
                className="button secondary small"
                disabled={busy}
                aria-describedby={`${id}-reenrol-hint`}
                onClick={() => void send({ kind: 're_enrol' })}
              >
                {pending === 're_enrol' ? 'Requesting…' : 'Request new identity photos'}
              </button>
              <p id={`${id}-reenrol-hint`} className="hint">
                The student takes a new face photo and ID document photo; the new face becomes the
                reference for the identity check, and the earlier photos stay as evidence.
              </p>
            </div>
          ) : null}
          {allowed.terminate ? (
            <div className="pd-intervention-form pd-intervention-terminate">
              <label htmlFor={`${id}-reason`}>Reason for terminating</label>
              <textarea
                id={`${id}-reason`}
                rows={2}
                maxLength={1000}
                value={reason}
                aria-describedby={`${id}-reason-hint`}
                onChange={(event) => setReason(event.target.value)}
              />
              <p id={`${id}-reason-hint`} className="hint">
                The student sees this reason and can no longer answer. If it was a mistake, the
                attempt can be reopened, or a new one granted, under Staff tools.
              </p>
              <ConfirmButton
                label="Terminate the attempt"
                question="End this attempt now?"
                confirmLabel="Terminate"
                keepLabel="Keep it running"
                className="button danger small"
                disabled={busy || !reason.trim()}
                pending={pending === 'terminate'}
                pendingLabel="Terminating…"
                onConfirm={() =>
                  void send({ kind: 'terminate', message: reason.trim() }, () => setReason(''))
                }
              />
            </div>
          ) : null}
        </>
      )}
      <h3 className="h3 pd-intervention-history-title">History</h3>
      {loadError ? (
        <ErrorState error={loadError} onRetry={onReload} />
      ) : (
        <InterventionHistory items={items} canAct={canAct} onChanged={onSent} />
      )}
    </div>
  );
}
