import { useEffect, useRef } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { ExamSession } from '@invigil/contracts';
import { queryKeys } from '../../api/query-keys';
import { attemptApi } from '../api';

/** How often the attempt's state is polled (pause, termination, submission by staff). */
export const POLL_MS = 4000;

/**
 * Keeps the attempt's state fresh (TanStack Query polls `queryKeys.session`, also while the
 * tab is hidden: a paused or ended attempt must be noticed) and reports a changed state or
 * deadline. Anything that learns of a change sooner (a live message) can invalidate the key.
 */
export function useSessionPoll(
  sessionId: string,
  current: ExamSession,
  onChange: (session: ExamSession) => void,
  intervalMs = POLL_MS,
): void {
  const queryClient = useQueryClient();
  const { data, dataUpdatedAt } = useQuery({
    queryKey: queryKeys.session(sessionId),
    queryFn: ({ signal }) => attemptApi.session(sessionId, signal),
    refetchInterval: intervalMs,
    refetchIntervalInBackground: true,
    // Offline: the next poll tries again.
    retry: false,
  });
  // Only an answer newer than this is news; older ones were judged already.
  const seenAt = useRef(0);

  // The page's session changed (submitted, paused by a live message): an answer on its way
  // may carry the state from before, so it is dropped and only later polls count.
  const { state, deadlineAt } = current;
  useEffect(() => {
    seenAt.current = Math.max(seenAt.current, dataUpdatedAt);
    void queryClient.cancelQueries({ queryKey: queryKeys.session(sessionId) });
    // Runs on a new state or deadline only, not on each poll.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [queryClient, sessionId, state, deadlineAt]);

  useEffect(() => {
    if (!data || dataUpdatedAt <= seenAt.current) return;
    seenAt.current = dataUpdatedAt;
    if (data.state !== state || data.deadlineAt !== deadlineAt) onChange(data);
  }, [data, dataUpdatedAt, state, deadlineAt, onChange]);
}
