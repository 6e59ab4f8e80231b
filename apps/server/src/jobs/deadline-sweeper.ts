import type { Db } from '../db/database.js';
import type { Clock } from '../ports/clock.port.js';
import type { EmitLive } from '../services/live/live-feed.service.js';
import {
  type SessionRow,
  sessionStateMessage,
  sweepExpiredSessions,
} from '../services/sessions/sessions.service.js';
import { startIntervalJob, type IntervalJob } from './interval-job.js';

/**
 * Every `intervalMs`, auto-submit attempts whose time is up (see `sweepExpiredSessions`).
 * Sweeps never overlap; a failed sweep is reported and retried at the next tick. Safe to run
 * in several processes at once: each session is submitted under a row lock, once. Each
 * auto-submit goes out live (`session.state`) when `live` is given. The recordings of ended
 * attempts are checked by the evidence watchdog once their uploads settle.
 */
export function startDeadlineSweeper(
  db: Db,
  clock: Clock,
  intervalMs: number,
  onError: (error: unknown) => void = () => undefined,
  live?: EmitLive,
): IntervalJob {
  const onSubmitted = live && ((row: SessionRow) => live(sessionStateMessage(row)));
  return startIntervalJob(
    () => sweepExpiredSessions(db, clock.now(), { onSubmitted }),
    intervalMs,
    onError,
  );
}
