import { useCallback, useEffect, useRef, useState } from 'react';
import type { LiveMessage, LiveSessionTile } from '@invigil/contracts';
import { examContentApi, proctorApi } from '../api/endpoints';
import { useLive } from '../live/use-live';
import { applyDetailMessage, sessionLiveParts, type SessionDetailState } from './detail-model';
import { videoWatch, type VideoWatch } from './grid-model';
import { useLiveDetailRefresh } from './live-detail-refresh';

/** The session detail page's data, following the exam's live feed. */
export interface SessionDetail {
  state: SessionDetailState | null;
  /** The student, health and latest images from the exam's live snapshot (null if unavailable). */
  tile: LiveSessionTile | null;
  examTitle: string | null;
  /** The video the attempt must keep sending (see `videoWatch`; null: the exam records none). */
  video: VideoWatch | null;
  error: unknown;
  /** Parts that failed without failing the page (risk, interventions, live snapshot). */
  partErrors: { risk?: unknown; interventions?: unknown; live?: unknown };
  status: ReturnType<typeof useLive>;
  reload(): void;
  /** Applies a change the user made (an intervention sent) before its message arrives. */
  patch(update: (state: SessionDetailState) => SessionDetailState): void;
}

const settledError = (result: PromiseSettledResult<unknown>) =>
  result.status === 'rejected' ? (result.reason as unknown) : undefined;

/**
 * Loads a session, its flags, risk and interventions, and the exam's live snapshot (for the
 * student's name, health and latest images, and the cursor to follow the feed from); then
 * applies the exam's live messages about this session. The snapshot is read first, so every
 * message after its cursor is replayed over data at least as new, and ends consistent.
 */
export function useSessionDetail(sessionId: string): SessionDetail {
  const [state, setState] = useState<SessionDetailState | null>(null);
  const [tile, setTile] = useState<LiveSessionTile | null>(null);
  const [examTitle, setExamTitle] = useState<string | null>(null);
  const [video, setVideo] = useState<VideoWatch | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [partErrors, setPartErrors] = useState<SessionDetail['partErrors']>({});
  const [follow, setFollow] = useState<{ examId: string; since: number | null } | null>(null);
  const [nonce, setNonce] = useState(0);
  const pending = useRef<LiveMessage[] | null>([]);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    pending.current = [];
    (async () => {
      const session = await examContentApi.session(sessionId, signal);
      const [live, flags, risk, interventions] = await Promise.allSettled([
        proctorApi.liveSnapshot(session.examId, signal),
        proctorApi.flags(sessionId, signal),
        proctorApi.risk(sessionId, signal),
        proctorApi.interventions(sessionId, signal),
      ]);
      if (flags.status === 'rejected') throw flags.reason;
      if (signal.aborted) return;
      const snapshot = live.status === 'fulfilled' ? live.value : null;
      const ownTile = snapshot?.sessions.find((t) => t.session.id === sessionId) ?? null;
      const handling = Object.fromEntries(
        (snapshot?.alerts ?? [])
          .filter((a) => a.flag.sessionId === sessionId)
          .map((a) => [a.flag.id, a.handling]),
      );
      let next: SessionDetailState = {
        session:
          ownTile && Date.parse(ownTile.session.updatedAt) > Date.parse(session.updatedAt)
            ? ownTile.session
            : session,
        flags: [...flags.value].sort((a, b) => a.startMs - b.startMs),
        risk: risk.status === 'fulfilled' ? risk.value : null,
        interventions: interventions.status === 'fulfilled' ? interventions.value : [],
        handling,
        health: ownTile?.health ?? null,
        chat: [],
        ...sessionLiveParts(sessionId, snapshot),
        cursor: snapshot?.cursor ?? 0,
      };
      // Messages that came while loading (after a resync) are applied over the fresh data.
      for (const message of pending.current ?? []) next = applyDetailMessage(next, message);
      pending.current = null;
      setState(next);
      setTile(ownTile);
      setExamTitle(snapshot?.exam.title ?? null);
      setVideo(snapshot ? videoWatch(snapshot.exam.policy) : null);
      setPartErrors({
        risk: settledError(risk),
        interventions: settledError(interventions),
        live: settledError(live),
      });
      setError(undefined);
      setFollow(
        (current) => current ?? { examId: session.examId, since: snapshot?.cursor ?? null },
      );
    })().catch((failure: unknown) => {
      if (!signal.aborted) setError(failure);
    });
    return () => controller.abort();
  }, [sessionId, nonce]);

  const refresh = useLiveDetailRefresh(sessionId);
  const onMessage = useCallback(
    (message: LiveMessage) => {
      if (message.topic === 'heartbeat') return;
      // Anything about this session (an upload told by `session.health`, a flag, a state
      // change, an intervention) may come with new events and recording: fetch them too.
      if (message.sessionId === sessionId) refresh();
      if (pending.current) {
        pending.current.push(message);
        return;
      }
      setState((current) => (current ? applyDetailMessage(current, message) : current));
      if (message.topic === 'session.health' && message.data.sessionId === sessionId) {
        const health = message.data;
        setTile((current) => (current ? { ...current, health } : current));
      }
    },
    [sessionId, refresh],
  );

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const status = useLive(
    follow ? { examId: follow.examId } : null,
    follow?.since ?? null,
    onMessage,
    reload,
  );

  const patch = useCallback(
    (update: (state: SessionDetailState) => SessionDetailState) =>
      setState((current) => (current ? update(current) : current)),
    [],
  );

  return { state, tile, examTitle, video, error, partErrors, status, reload, patch };
}
