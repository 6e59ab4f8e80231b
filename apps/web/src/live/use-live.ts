import { useEffect, useRef, useState } from 'react';
import type { LiveMessage } from '@invigil/contracts';
import { LiveClient, type LiveScope, type LiveStatus } from './live-client';

export type { LiveScope, LiveStatus } from './live-client';

/**
 * Follow an exam's or a session's live messages while the component is mounted.
 *
 * - `scope`: `{ examId }` (staff) or `{ sessionId }` (that session's student); `null` waits
 *   (e.g. until the snapshot is loaded). A different exam or session opens a new connection.
 * - `since`: where to start (the snapshot's `cursor`); read when a connection is opened for a
 *   scope, later changes are ignored (the client tracks its position itself).
 * - `onMessage`: every message except `resync` (also `ready` and `heartbeat`), once per id.
 * - `onResync`: the gap was too long; fetch the snapshot again (messages keep flowing).
 *
 * The callbacks may change between renders without reconnecting. Returns the status:
 * `connecting`, `live` (after `ready`) or `offline` (waiting to reconnect).
 */
export function useLive(
  scope: LiveScope | null,
  since: number | null,
  onMessage: (message: LiveMessage) => void,
  onResync: () => void,
): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>(scope ? 'connecting' : 'offline');
  const handlers = useRef({ onMessage, onResync });
  useEffect(() => {
    handlers.current = { onMessage, onResync };
  }, [onMessage, onResync]);
  const sinceRef = useRef(since);
  // Declared before the connection effect, so a new scope starts from the current `since`.
  useEffect(() => {
    sinceRef.current = since;
  }, [since]);

  const key =
    scope === null ? null : 'examId' in scope ? `e:${scope.examId}` : `s:${scope.sessionId}`;
  useEffect(() => {
    if (key === null) return;
    const id = key.slice(2);
    const client = new LiveClient({
      scope: key.startsWith('e:') ? { examId: id } : { sessionId: id },
      since: sinceRef.current,
      onMessage: (m) => handlers.current.onMessage(m),
      onResync: () => handlers.current.onResync(),
      onStatus: setStatus,
    });
    client.start();
    return () => client.stop();
  }, [key]);

  return key === null ? 'offline' : status;
}
