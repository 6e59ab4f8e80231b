import { useEffect, useMemo, useRef, useState } from 'react';
import type { LiveClientMessage, LiveMessage } from '@invigil/contracts';
import { LiveClient, type LiveScope, type LiveStatus } from './live-client';

export type { LiveScope, LiveStatus } from './live-client';

/**
 * One live connection shared by several parts of a page (the student's exam page has one
 * socket for interventions, chat and live view): its status, a way to send up it, and a way
 * for more listeners to receive its messages.
 */
export interface LiveChannel {
  status: LiveStatus;
  /** Send a message up the socket; false when it is not open. */
  send(message: LiveClientMessage): boolean;
  /** Receive every message (as `onMessage` does) until the returned function is called. */
  listen(listener: (message: LiveMessage) => void): () => void;
}

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
  return useLiveChannel(scope, since, onMessage, onResync).status;
}

/** `useLive`, returning the whole channel (status, send, listen) for sharing it. */
export function useLiveChannel(
  scope: LiveScope | null,
  since: number | null,
  onMessage: (message: LiveMessage) => void,
  onResync: () => void,
): LiveChannel {
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
  const clientRef = useRef<LiveClient | null>(null);
  const listeners = useRef(new Set<(message: LiveMessage) => void>());

  const key =
    scope === null ? null : 'examId' in scope ? `e:${scope.examId}` : `s:${scope.sessionId}`;
  useEffect(() => {
    if (key === null) return;
    const id = key.slice(2);
    const client = new LiveClient({
      scope: key.startsWith('e:') ? { examId: id } : { sessionId: id },
      since: sinceRef.current,
      onMessage: (m) => {
        handlers.current.onMessage(m);
        for (const listener of [...listeners.current]) listener(m);
      },
      onResync: () => handlers.current.onResync(),
      onStatus: setStatus,
    });
    clientRef.current = client;
    client.start();
    return () => {
      clientRef.current = null;
      client.stop();
    };
  }, [key]);

  const current = key === null ? 'offline' : status;
  return useMemo<LiveChannel>(
    () => ({
      status: current,
      send: (message) => clientRef.current?.send(message) ?? false,
      listen: (listener) => {
        listeners.current.add(listener);
        return () => listeners.current.delete(listener);
      },
    }),
    [current],
  );
}
