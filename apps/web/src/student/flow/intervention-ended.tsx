import { useCallback, useEffect, useRef } from 'react';
import { Link } from 'react-router-dom';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ExamSession, MyRegistration } from '@invigil/contracts';
import { interventionApi, studentApi } from '../../api/endpoints';
import { queryKeys } from '../../api/query-keys';
import { formatDateTime } from '../../lib/datetime';
import { useResource } from '../../ui/use-resource';
import { attemptApi } from '../api';
import { latestMessage } from './intervention-model';
import { POLL_MS } from './session-poll';
import './intervention-dialogs.css';

/** The attempt that replaced `session` on its registration, if staff granted one. */
function nextAttemptOf(session: ExamSession, mine: MyRegistration[] | undefined): string | null {
  const current = mine?.find((r) => r.examId === session.examId);
  return current?.sessionId && current.sessionId !== session.id ? current.sessionId : null;
}

/**
 * Watches an ended attempt for the staff tools (TanStack Query polls, also in a hidden tab):
 * a reopened attempt goes back to the exam page (`onSession`), and once the attempt is
 * superseded, the new attempt granted in its place is returned so the page can offer it.
 */
function useAfterTermination(
  session: ExamSession,
  onSession?: (session: ExamSession) => void,
): string | null {
  const queryClient = useQueryClient();
  const sessionId = session.id;
  const { data, dataUpdatedAt } = useQuery({
    queryKey: queryKeys.session(sessionId),
    queryFn: ({ signal }) => attemptApi.session(sessionId, signal),
    // A superseded attempt is never reopened: from then on only its successor matters.
    refetchInterval: (query) =>
      session.supersededAt || query.state.data?.supersededAt ? false : POLL_MS,
    refetchIntervalInBackground: true,
    // Offline: the next poll tries again.
    retry: false,
  });
  const superseded = !!session.supersededAt || !!data?.supersededAt;
  const mine = useQuery({
    queryKey: queryKeys.myRegistrations,
    queryFn: ({ signal }) => studentApi.myRegistrations(signal),
    // Only a superseded attempt has a successor; asked for until it shows.
    enabled: superseded,
    refetchInterval: (query) => (nextAttemptOf(session, query.state.data) ? false : POLL_MS),
    refetchIntervalInBackground: true,
    retry: false,
  });
  const next = superseded ? nextAttemptOf(session, mine.data) : null;

  // What the cache holds, or an answer on its way, may predate the end of the attempt (the
  // exam page polled the same key) and say "in progress": only answers asked for after this
  // page appeared count, or the page would bounce back to the exam.
  const seenAt = useRef<number | null>(null);
  useEffect(() => {
    seenAt.current = queryClient.getQueryState(queryKeys.session(sessionId))?.dataUpdatedAt ?? 0;
    const key = queryKeys.session(sessionId);
    void queryClient
      .cancelQueries({ queryKey: key, exact: true })
      .then(() => queryClient.refetchQueries({ queryKey: key, exact: true }));
  }, [queryClient, sessionId]);

  useEffect(() => {
    if (!data || seenAt.current === null || dataUpdatedAt <= seenAt.current) return;
    seenAt.current = dataUpdatedAt;
    if (data.state === 'paused' || data.state === 'in_progress') onSession?.(data);
  }, [data, dataUpdatedAt, onSession]);
  return next;
}

/**
 * The outcome of an attempt a proctor ended (or staff replaced by a new attempt), in place of
 * the confirmation's own notice: a new attempt first, when one was granted; otherwise the
 * proctor's reason and what happens next. The reason is fetched (it is also in the live
 * message, but the page may have been reloaded). If staff reopen the attempt, the page
 * returns to the exam.
 */
export function TerminationNotice({
  session,
  onSession,
}: {
  session: ExamSession;
  /** Told when staff reopened the attempt (it is paused again). */
  onSession?: (session: ExamSession) => void;
}) {
  const sessionId = session.id;
  const next = useAfterTermination(session, onSession);
  const terminated = session.state === 'terminated';
  const load = useCallback(
    (signal: AbortSignal) => interventionApi.list(sessionId, signal),
    [sessionId],
  );
  const { data, error, loading, reload } = useResource(load, {
    key: queryKeys.interventions(sessionId),
  });
  const reason = data ? latestMessage(data, 'terminate') : null;
  const endedAt = session.endedAt ? ` at ${formatDateTime(session.endedAt)}` : '';

  const reasonNote = reason ? (
    <p className="proctor-note">
      <strong>Reason given by the proctor:</strong> {reason}
    </p>
  ) : loading ? (
    <p className="muted small" role="status">
      Loading the proctor’s reason…
    </p>
  ) : error ? (
    <p className="muted small">
      The proctor’s reason could not be loaded.{' '}
      <button type="button" className="button secondary small" onClick={reload}>
        Try again
      </button>
    </p>
  ) : null;

  if (next) {
    return (
      <div className="termination-notice">
        <div className="notice notice-success" role="status">
          <p>
            <strong>You have been given a new attempt at this exam.</strong> It starts with the
            check-in again, and your timer starts when you begin it.
          </p>
          <p>
            <Link className="button primary" to={`/student/sessions/${encodeURIComponent(next)}`}>
              Start your new attempt
            </Link>
          </p>
        </div>
        <p>
          {terminated
            ? `This earlier attempt was ended by a proctor${endedAt}.`
            : `This earlier attempt ended${endedAt}.`}{' '}
          It stays on record for the exam staff; your new attempt replaces it.
        </p>
        {terminated ? reasonNote : null}
      </div>
    );
  }

  return (
    <div className="termination-notice">
      {terminated ? (
        <p className="notice notice-error">
          A proctor ended this exam{endedAt}. You can no longer answer. Contact your instructor if
          you have questions about why.
        </p>
      ) : (
        <p className="notice notice-success">
          Your answers were submitted{endedAt}. Recording has stopped.
        </p>
      )}
      {terminated ? (
        <>
          {reasonNote}
          <h3>What happens next</h3>
          <ul>
            <li>Keep this page open until all your recordings are uploaded (see below).</li>
            <li>
              The exam staff review this attempt: the recording, the proctor’s notes and the reason
              above. They can also reopen it or give you a new attempt; this page shows it if they
              do.
            </li>
            <li>
              Your instructor decides what follows and will contact you. You can also contact them
              with any questions.
            </li>
          </ul>
        </>
      ) : (
        <p className="muted small" role="status">
          The exam staff replaced this attempt with a new one; looking it up…
        </p>
      )}
    </div>
  );
}
