import { useEffect } from 'react';
import type { ExamSession } from '@invigil/contracts';
import { attemptApi } from '../api';

/** How often the attempt's state is polled (pause, termination, submission by staff). */
export const POLL_MS = 4000;

/** Polls the session and reports a changed state. */
export function useSessionPoll(
  sessionId: string,
  current: ExamSession,
  onChange: (session: ExamSession) => void,
  intervalMs = POLL_MS,
): void {
  useEffect(() => {
    let stopped = false;
    const timer = window.setInterval(() => {
      attemptApi.session(sessionId).then(
        (fresh) => {
          if (
            !stopped &&
            (fresh.state !== current.state || fresh.deadlineAt !== current.deadlineAt)
          ) {
            onChange(fresh);
          }
        },
        () => undefined, // Offline: the next poll tries again.
      );
    }, intervalMs);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [sessionId, current.state, current.deadlineAt, onChange, intervalMs]);
}
