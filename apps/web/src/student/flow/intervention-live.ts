import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { ExamSession, Intervention, LiveMessage } from '@invigil/contracts';
import { interventionApi } from '../../api/endpoints';
import { queryKeys } from '../../api/query-keys';
import { useLiveChannel, type LiveChannel, type LiveStatus } from '../../live/use-live';
import { useResource } from '../../ui/use-resource';
import { attemptApi } from '../api';
import { isNewerSession, mergeInterventions } from './intervention-model';

/** How often the list is fetched while the live connection is down (the session poll's pace). */
const OFFLINE_POLL_MS = 4000;

/** The student's interventions, kept current, and the student's answers to them. */
export interface StudentInterventions {
  /** Every intervention of the session, oldest first. */
  list: Intervention[];
  /** The first fetch has finished (a failed one too: the exam works without it). */
  loaded: boolean;
  /** The live connection's status. */
  live: LiveStatus;
  /** The session's live connection, shared with the chat and the live view on this page. */
  channel: LiveChannel;
  /**
   * How many times the feed said `resync` (its gap was too long to replay): whoever follows
   * the channel (chat, hands) fetches its state again when this changes.
   */
  resyncs: number;
  /** Confirm a warning or a request; rejects when the server could not be told. */
  acknowledge: (intervention: Intervention) => Promise<void>;
  /**
   * Report a requested room scan or new identity photos as done; rejects with
   * ROOM_SCAN_MISSING / IDENTITY_PHOTOS_MISSING until they uploaded.
   */
  complete: (intervention: Intervention) => Promise<void>;
}

/**
 * Follows the proctor's interventions during the exam: fetches the list when the page starts
 * (so an unanswered warning comes back after a reload), then listens on the live feed of the
 * session for new interventions and state changes (pause, resume, termination), which reach
 * the page within a second. A `resync` fetches both again (and counts in `resyncs`).
 */
export function useStudentInterventions(
  session: ExamSession,
  onSession: (session: ExamSession) => void,
): StudentInterventions {
  const sessionId = session.id;
  const load = useCallback(
    (signal: AbortSignal) => interventionApi.list(sessionId, signal),
    [sessionId],
  );
  const queryClient = useQueryClient();
  // Polled only while the live connection is down (see below); set once it is known.
  const [polling, setPolling] = useState(false);
  // The fetched list (refetched on resync) plus what arrived since; merging is order-free.
  const fetched = useResource(load, {
    key: queryKeys.interventions(sessionId),
    // Without the live connection, fetched as often as the session is polled, so a warning
    // still arrives (later) through a proxy that refuses WebSockets.
    refetchInterval: polling ? OFFLINE_POLL_MS : false,
  });
  const [updates, setUpdates] = useState<Intervention[]>([]);
  const list = useMemo(
    () => mergeInterventions(fetched.data ?? [], updates),
    [fetched.data, updates],
  );
  const loaded = fetched.data !== undefined || fetched.error !== undefined;
  const current = useRef(session);
  useEffect(() => {
    current.current = session;
  }, [session]);

  const merge = useCallback(
    (items: readonly Intervention[]) => setUpdates((prev) => mergeInterventions(prev, items)),
    [],
  );
  const applySession = useCallback(
    (fresh: ExamSession) => {
      if (isNewerSession(current.current, fresh)) onSession(fresh);
    },
    [onSession],
  );
  const onMessage = useCallback(
    (message: LiveMessage) => {
      if (message.topic === 'intervention') merge([message.data]);
      else if (message.topic === 'session.state') applySession(message.data);
    },
    [merge, applySession],
  );
  const [resyncs, setResyncs] = useState(0);
  const onResync = useCallback(() => {
    setResyncs((n) => n + 1);
    void queryClient.refetchQueries({ queryKey: queryKeys.interventions(sessionId), exact: true });
    attemptApi.session(sessionId).then(applySession, () => undefined);
  }, [queryClient, applySession, sessionId]);

  const scope = useMemo(() => ({ sessionId }), [sessionId]);
  // From the start of the session's feed: replayed messages merge idempotently, and older
  // session states are ignored, so nothing sent before this page loaded can be missed.
  const channel = useLiveChannel(scope, 0, onMessage, onResync);
  const live = channel.status;
  if (polling !== (live !== 'live')) setPolling(live !== 'live');

  const acknowledge = useCallback(
    async (intervention: Intervention) =>
      merge([await interventionApi.acknowledge(sessionId, intervention.id)]),
    [merge, sessionId],
  );
  const complete = useCallback(
    async (intervention: Intervention) =>
      merge([await interventionApi.complete(sessionId, intervention.id)]),
    [merge, sessionId],
  );
  return { list, loaded, live, channel, resyncs, acknowledge, complete };
}
