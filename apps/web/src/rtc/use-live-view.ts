import { useEffect, useState, useSyncExternalStore } from 'react';
import type { OpenRtcBody } from '@invigil/contracts';
import { rtcApi } from '../api/rtc';
import { LiveClient } from '../live/live-client';
import { LiveViewController, type LiveViewState } from './live-view-controller';

/** Which controller is current, with change notices (for useSyncExternalStore). */
class ControllerHolder {
  current: LiveViewController | null = null;
  private readonly listeners = new Set<() => void>();
  set(next: LiveViewController | null): void {
    if (next === this.current) return;
    this.current = next;
    for (const listener of this.listeners) listener();
  }
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** A link being ended, per session: a new one waits for it, so one proctor holds one seat. */
const ending = new Map<string, Promise<void>>();

const IDLE: LiveViewState = {
  phase: 'opening',
  link: null,
  message: null,
  remote: {},
  local: null,
};

/**
 * A live view or call of one session while the component is mounted (and `body` stays the
 * same; null opens nothing yet): the controller opens it, and unmounting (closing the panel, leaving the page)
 * hangs up. A new `body` (view → call) ends the old link before opening the new one.
 */
export function useLiveView(
  target: { sessionId: string; examId: string },
  body: OpenRtcBody | null,
  /** A new number opens again (after a failure). */
  attempt = 0,
): { state: LiveViewState; controller: LiveViewController | null } {
  const { sessionId, examId } = target;
  const kind = body?.kind ?? null;
  const camera = body?.kind === 'call' ? body.camera : false;
  // The current controller, held outside React state: the effect below swaps it.
  const [holder] = useState(() => new ControllerHolder());
  useEffect(() => {
    if (kind === null) {
      holder.set(null);
      return;
    }
    const next = new LiveViewController(
      { sessionId, examId },
      {
        api: rtcApi,
        createClient: (options) => new LiveClient(options),
        getUserMedia: (constraints) => navigator.mediaDevices.getUserMedia(constraints),
      },
    );
    holder.set(next);
    let cancelled = false;
    const before = ending.get(sessionId) ?? Promise.resolve();
    void before.then(() => {
      if (!cancelled) void next.open(kind === 'call' ? { kind, camera } : { kind: 'view' });
    });
    return () => {
      cancelled = true;
      const done = next.dispose();
      const chained = before.then(() => done);
      ending.set(sessionId, chained);
      void chained.then(() => {
        if (ending.get(sessionId) === chained) ending.delete(sessionId);
      });
    };
  }, [holder, sessionId, examId, kind, camera, attempt]);
  const controller = useSyncExternalStore(
    (notify) => holder.subscribe(notify),
    () => holder.current,
  );
  const state = useSyncExternalStore(
    (notify) => controller?.subscribe(notify) ?? (() => undefined),
    () => controller?.getState() ?? IDLE,
  );
  return { state, controller };
}
