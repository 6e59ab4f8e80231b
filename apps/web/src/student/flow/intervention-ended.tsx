import { useCallback } from 'react';
import { interventionApi } from '../../api/endpoints';
import { useResource } from '../../ui/use-resource';
import { latestMessage } from './intervention-model';
import './intervention-dialogs.css';

/**
 * On the page of an attempt a proctor ended: the proctor's reason and what happens next.
 * The reason is fetched (it is also in the live message, but the page may have been reloaded).
 */
export function TerminationNotice({ sessionId }: { sessionId: string }) {
  const load = useCallback(
    (signal: AbortSignal) => interventionApi.list(sessionId, signal),
    [sessionId],
  );
  const { data, error, loading, reload } = useResource(load);
  const reason = data ? latestMessage(data, 'terminate') : null;

  return (
    <div className="termination-notice">
      {reason ? (
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
      ) : null}
      <h3>What happens next</h3>
      <ul>
        <li>Keep this page open until all your recordings are uploaded (see below).</li>
        <li>
          The exam staff review this attempt: the recording, the proctor’s notes and the reason
          above.
        </li>
        <li>
          Your instructor decides what follows and will contact you. You can also contact them with
          any questions.
        </li>
      </ul>
    </div>
  );
}
