import { useCallback } from 'react';
import { Link } from 'react-router-dom';
import type { MyRegistration, SessionState } from '@invigil/contracts';
import { reviewApi } from '../api/endpoints';
import { queryKeys } from '../api/query-keys';
import { formatWindow } from '../lib/datetime';
import { ExamStatusBadge, RegistrationBadge, SessionStateBadge } from '../exams/badges';
import { durationLabel } from '../exams/labels';
import { ConfirmButton } from '../ui/confirm-button';
import { ResourceView } from '../ui/states';
import { Table, type Column } from '../ui/table';
import { useResource, type Resource } from '../ui/use-resource';
import { useNow } from '../ui/use-now';

/** True while a registration may still be cancelled (the server has the final word). */
export function isCancellable(registration: MyRegistration, now: number): boolean {
  return (
    registration.status === 'active' &&
    registration.sessionState === 'registered' &&
    Date.parse(registration.exam.closesAt) > now
  );
}

const STARTABLE: readonly SessionState[] = ['registered', 'checking_in', 'in_progress', 'paused'];
/** Ended attempts: their result page shows the score once instructors release it. */
const ENDED: readonly SessionState[] = ['submitted', 'terminated', 'under_review', 'reviewed'];

/**
 * The exam action for a registration: start (or resume) while the window is open and the
 * attempt is not over; its upload status once it is. Null when there is nothing to open.
 */
export function attemptAction(
  registration: MyRegistration,
  now: number,
): { label: string; primary: boolean } | null {
  if (registration.status !== 'active') return null;
  const state = registration.sessionState;
  if (STARTABLE.includes(state)) {
    const open =
      Date.parse(registration.exam.opensAt) <= now && now < Date.parse(registration.exam.closesAt);
    if (!open) return null;
    return state === 'registered'
      ? { label: 'Start exam', primary: true }
      : state === 'checking_in'
        ? { label: 'Continue check-in', primary: true }
        : { label: 'Resume exam', primary: true };
  }
  // After the attempt, its own page is where recordings left on this computer finish
  // uploading; the verdict and score are on the result page, linked beside it.
  return { label: 'Upload status', primary: false };
}

/** Orders registrations: active first, then by the exam's opening time. */
export function sortRegistrations(list: readonly MyRegistration[]): MyRegistration[] {
  return [...list].sort(
    (a, b) =>
      Number(a.status === 'cancelled') - Number(b.status === 'cancelled') ||
      Date.parse(a.exam.opensAt) - Date.parse(b.exam.opensAt),
  );
}

/** The student's registrations with their state and a Cancel button. */
export function MyExams({
  resource,
  pending,
  onCancel,
}: {
  resource: Resource<MyRegistration[]>;
  pending: string | null;
  onCancel: (registration: MyRegistration) => void;
}) {
  const now = useNow();
  // Sessions with a review verdict get a "Review result" link; without the list, none show.
  const loadReviews = useCallback((signal: AbortSignal) => reviewApi.mine(signal), []);
  const reviews = useResource(loadReviews, { key: queryKeys.myReviews });
  const reviewed = new Map((reviews.data ?? []).map((r) => [r.sessionId, r]));
  const columns: Column<MyRegistration>[] = [
    {
      header: 'Exam',
      cell: (r) => (
        <>
          <strong id={`reg-${r.id}`}>{r.exam.title}</strong>
          {r.exam.status === 'archived' ? (
            <>
              {' '}
              <ExamStatusBadge status="archived" />
            </>
          ) : null}
        </>
      ),
    },
    {
      header: 'When',
      cell: (r) => (
        <>
          {formatWindow(r.exam.opensAt, r.exam.closesAt)}
          <span className="muted small block">{durationLabel(r.exam.durationMinutes)}</span>
        </>
      ),
    },
    { header: 'Status', cell: (r) => <RegistrationBadge status={r.status} /> },
    { header: 'Session', cell: (r) => <SessionStateBadge state={r.sessionState} /> },
    {
      header: 'Actions',
      hideHeader: true,
      className: 'actions',
      cell: (r) => {
        const action = attemptAction(r, now);
        return (
          <span className="row-actions">
            {action ? (
              <Link
                to={`/student/sessions/${r.sessionId}`}
                className={`button small ${action.primary ? 'primary' : 'secondary'}`}
                aria-describedby={`reg-${r.id}`}
              >
                {action.label}
              </Link>
            ) : null}
            {r.status === 'active' &&
            r.sessionState === 'registered' &&
            r.exam.policy.practiceRun &&
            Date.parse(r.exam.closesAt) > now ? (
              <Link
                to={`/student/practice/${r.sessionId}`}
                className="button small secondary"
                aria-describedby={`reg-${r.id}`}
              >
                Practice check-in
              </Link>
            ) : null}
            {reviewed.has(r.sessionId) || ENDED.includes(r.sessionState) ? (
              <Link
                to={`/student/results/${r.sessionId}`}
                className={`button small ${reviewed.get(r.sessionId)?.canRespond ? 'primary' : 'secondary'}`}
                aria-describedby={`reg-${r.id}`}
              >
                {reviewed.has(r.sessionId) ? 'Review result' : 'Result'}
              </Link>
            ) : null}
            {cancelCell(r)}
          </span>
        );
      },
    },
  ];

  function cancelCell(r: MyRegistration) {
    return isCancellable(r, now) ? (
      <ConfirmButton
        label="Cancel registration"
        question={`Cancel your registration for ${r.exam.title}?`}
        confirmLabel="Yes, cancel"
        keepLabel="Keep it"
        pending={pending === r.id}
        pendingLabel="Cancelling…"
        disabled={pending !== null}
        describedBy={`reg-${r.id}`}
        className="button danger small"
        onConfirm={() => onCancel(r)}
      />
    ) : r.status === 'active' && r.sessionState === 'registered' ? (
      <span className="muted small">The exam has closed; cancelling is no longer possible.</span>
    ) : null;
  }

  return (
    <ResourceView resource={resource} empty="You are not registered for any exams yet.">
      {(list) => (
        <Table
          caption="My registrations"
          columns={columns}
          rows={sortRegistrations(list)}
          rowKey={(r) => r.id}
        />
      )}
    </ResourceView>
  );
}
