import { useCallback, useEffect, useRef, useState } from 'react';
import type { Alert, LiveExamSnapshot, LiveMessage } from '@invigil/contracts';
import { proctorApi } from '../api/endpoints';
import { useLive } from '../live/use-live';
import { cameBackOnline, newAlerts } from './alert-model';
import { setServerOffset } from './clock';
import { applyLiveMessages, reconcileSnapshot, type LiveExamState } from './live-model';

/** How many recent messages are kept to re-apply over a snapshot fetched meanwhile. */
const RECENT = 500;
/**
 * Fetch the snapshot again this often while visible: a fallback for anything a message missed
 * (new thumbnails normally arrive with `session.health`).
 */
const REFRESH_MS = 20_000;
/** Messages wait at most this long for an animation frame (background tabs have none). */
const MAX_BATCH_DELAY_MS = 250;

/** The live dashboard's data and connection. */
export interface LiveExam {
  state: LiveExamState | null;
  /** The last snapshot load failed (shown until one succeeds). */
  error: unknown;
  /** The WebSocket: `offline` while reconnecting. */
  status: ReturnType<typeof useLive>;
  reload(): void;
  /** Applies a change the user made, before the server's message confirms it. */
  patch(update: (state: LiveExamState) => LiveExamState): void;
}

/**
 * Loads GET /api/exams/:id/live, then follows the exam's live messages from the snapshot's
 * cursor. Messages are applied in batches, at most one render per animation frame; a
 * `resync`, a message about an unknown session and a periodic timer (for new thumbnails)
 * fetch the snapshot again, keeping unchanged tiles. `onArrivals` hears of alerts that
 * were not there before (not those of the first snapshot).
 */
export function useLiveExam(examId: string, onArrivals: (alerts: Alert[]) => void): LiveExam {
  const [state, setState] = useState<LiveExamState | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [since, setSince] = useState<number | null>(null);

  const current = useRef<LiveExamState | null>(null);
  const seen = useRef(new Set<string>());
  const recent = useRef<LiveMessage[]>([]);
  const queue = useRef<LiveMessage[]>([]);
  const scheduled = useRef<{ frame: number; timer: number } | null>(null);
  const fetching = useRef<AbortController | null>(null);
  const arrivals = useRef(onArrivals);
  useEffect(() => {
    arrivals.current = onArrivals;
  }, [onArrivals]);

  const commit = useCallback((next: LiveExamState, announce: boolean) => {
    const before = current.current?.alerts ?? [];
    current.current = next;
    setState(next);
    const fresh = newAlerts(next.alerts, seen.current);
    for (const alert of fresh) seen.current.add(alert.flag.id);
    // A student coming back online is news too (the same alert, now ended).
    const back = cameBackOnline(before, next.alerts).filter((a) => !fresh.includes(a));
    if (announce && fresh.length + back.length > 0) arrivals.current([...fresh, ...back]);
  }, []);

  const fetchSnapshot = useCallback(() => {
    fetching.current?.abort();
    const controller = new AbortController();
    fetching.current = controller;
    proctorApi.liveSnapshot(examId, controller.signal).then(
      (snapshot: LiveExamSnapshot) => {
        if (controller.signal.aborted) return;
        fetching.current = null;
        const first = current.current === null;
        const newer = recent.current.filter((m) => m.id > snapshot.cursor);
        commit(reconcileSnapshot(current.current, snapshot, newer), !first);
        setSince((value) => value ?? snapshot.cursor);
        setError(undefined);
      },
      (failure: unknown) => {
        if (controller.signal.aborted) return;
        fetching.current = null;
        setError(failure);
      },
    );
  }, [examId, commit]);

  const flush = useCallback(() => {
    if (scheduled.current) {
      cancelAnimationFrame(scheduled.current.frame);
      window.clearTimeout(scheduled.current.timer);
      scheduled.current = null;
    }
    const batch = queue.current;
    queue.current = [];
    const base = current.current;
    if (!base || batch.length === 0) return;
    const next = applyLiveMessages(base, batch);
    if (next !== base) commit(next, true);
    if (next.stale && !fetching.current) fetchSnapshot();
  }, [commit, fetchSnapshot]);

  const onMessage = useCallback(
    (message: LiveMessage) => {
      if (message.topic === 'heartbeat') {
        setServerOffset(message.data.serverTime);
        return;
      }
      if (message.id > 0) {
        recent.current.push(message);
        if (recent.current.length > RECENT)
          recent.current.splice(0, recent.current.length - RECENT);
      }
      queue.current.push(message);
      scheduled.current ??= {
        frame: requestAnimationFrame(flush),
        timer: window.setTimeout(flush, MAX_BATCH_DELAY_MS),
      };
    },
    [flush],
  );

  const onResync = useCallback(() => {
    queue.current = [];
    fetchSnapshot();
  }, [fetchSnapshot]);

  // A new exam starts from nothing.
  useEffect(() => {
    current.current = null;
    seen.current = new Set();
    recent.current = [];
    queue.current = [];
    fetchSnapshot();
    return () => {
      fetching.current?.abort();
      fetching.current = null;
      if (scheduled.current) {
        cancelAnimationFrame(scheduled.current.frame);
        window.clearTimeout(scheduled.current.timer);
        scheduled.current = null;
      }
    };
  }, [fetchSnapshot]);

  useEffect(() => {
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible' && !fetching.current) fetchSnapshot();
    }, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [fetchSnapshot]);

  const status = useLive(since === null ? null : { examId }, since, onMessage, onResync);

  const patch = useCallback(
    (update: (state: LiveExamState) => LiveExamState) => {
      const base = current.current;
      if (base) commit(update(base), false);
    },
    [commit],
  );

  return { state, error, status, reload: fetchSnapshot, patch };
}
