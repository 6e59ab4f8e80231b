import { useCallback } from 'react';
import { Link } from 'react-router-dom';
import { proctorApi } from '../api/endpoints';
import { staffToolsApi } from '../api/staff-tools';
import { formatDateTime } from '../lib/datetime';
import { INTERVENTION_LABEL } from '../proctor/detail-model';
import { Section } from '../ui/page';
import { useResource } from '../ui/use-resource';

/**
 * For reviewers: what staff did to this attempt (interventions, withdrawn requests, time
 * added, reopening, a new attempt granted) and the registration's other attempts, so a
 * verdict is given knowing the attempt was extended, reopened or replaced.
 */
export function StaffActions({ sessionId }: { sessionId: string }) {
  const load = useCallback(
    async (signal: AbortSignal) => ({
      actions: await proctorApi.interventions(sessionId, signal),
      attempts: await staffToolsApi.attempts(sessionId, signal),
    }),
    [sessionId],
  );
  const { data } = useResource(load);
  if (!data || (data.actions.length === 0 && data.attempts.length < 2)) return null;
  const self = data.attempts.find((a) => a.id === sessionId);
  // The attempt that replaced this one: the next in order (the list is first to last).
  const replacedBy = self?.supersededAt
    ? data.attempts.find((a) => a.attempt > self.attempt)
    : undefined;
  return (
    <Section title="Staff actions and attempts" id="staff-actions">
      {replacedBy ? (
        <p className="notice">
          Staff granted a new attempt: this one was replaced by{' '}
          <Link to={`/review/sessions/${encodeURIComponent(replacedBy.id)}`}>
            attempt {replacedBy.attempt}
          </Link>{' '}
          and stays for the record.
        </p>
      ) : self && self.attempt > 1 ? (
        <p className="notice">
          This is attempt {self.attempt}, granted by staff after an earlier one; the reason is with
          the earlier attempt.
        </p>
      ) : null}
      {data.attempts.length > 1 ? (
        <p className="small">
          Attempts of this registration:{' '}
          {data.attempts.map((a, i) => (
            <span key={a.id}>
              {i > 0 ? ', ' : ''}
              {a.id === sessionId ? (
                <strong aria-current="page">attempt {a.attempt} (this one)</strong>
              ) : (
                <Link to={`/review/sessions/${encodeURIComponent(a.id)}`}>attempt {a.attempt}</Link>
              )}
            </span>
          ))}
        </p>
      ) : null}
      {data.actions.length === 0 ? null : (
        <ul className="notes">
          {data.actions.map((a) => (
            <li key={a.id}>
              <p>
                <strong>
                  {INTERVENTION_LABEL[a.kind]}
                  {a.minutes !== null ? `: ${a.minutes} minutes` : ''}
                </strong>
                {a.message ? ` — “${a.message}”` : ''}
                {a.cancelledAt ? ` (withdrawn ${formatDateTime(a.cancelledAt)})` : ''}
              </p>
              <p className="muted small">
                {a.by?.name ?? 'Unknown'} · {formatDateTime(a.createdAt)}
              </p>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
