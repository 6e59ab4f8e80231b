import { useCallback, useEffect, useRef } from 'react';
import { useQueryClient, type QueryKey } from '@tanstack/react-query';

/**
 * Query keys of what the session detail reads besides its live state: its events and notes
 * (shared by the timeline and the notes form).
 */
export const sessionQueryKeys = {
  events: (sessionId: string) => ['api', 'sessions', sessionId, 'events'] as const,
  notes: (sessionId: string) => ['api', 'sessions', sessionId, 'notes'] as const,
};

/** At most one refresh of the page's data in this time: uploads are told every 5 s. */
export const DETAIL_REFRESH_MS = 5_000;

/**
 * Whether a query belongs to the session detail's data that grows while the attempt runs:
 * the session's own keys, and the page's unshared resources (the recording manifest read by
 * the player and the identity photos, the evidence lists) — only those mounted are refetched.
 */
export function isDetailQuery(sessionId: string, key: QueryKey): boolean {
  if (key[0] === 'resource') return true;
  return key[0] === 'api' && key[1] === 'sessions' && key[2] === sessionId;
}

/**
 * Returns `refresh()`: refetch, in the background, everything the session detail shows that
 * the live messages do not carry (events, the growing recording, notes), at most once per
 * DETAIL_REFRESH_MS — a call within the window is done at its end, never dropped. Data stays
 * on screen while it reloads, so nothing flickers.
 */
export function useLiveDetailRefresh(sessionId: string): () => void {
  const client = useQueryClient();
  const last = useRef(0);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return useCallback(() => {
    if (timer.current !== undefined) return;
    const run = () => {
      timer.current = undefined;
      last.current = Date.now();
      void client.invalidateQueries({
        predicate: (q) => isDetailQuery(sessionId, q.queryKey),
        refetchType: 'active',
      });
    };
    const wait = last.current + DETAIL_REFRESH_MS - Date.now();
    if (wait <= 0) run();
    else timer.current = window.setTimeout(run, wait);
  }, [client, sessionId]);
}
