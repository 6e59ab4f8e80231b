import type { Db } from '../db/database.js';
import type { Clock } from '../ports/clock.port.js';
import { checkEndedRecordings } from '../services/recording-check.js';
import { sweepExpiredSessions } from '../services/sessions.service.js';
import { startIntervalJob } from './interval-job.js';

/** A running sweeper. */
export interface DeadlineSweeper {
  /** Stop the timer and wait for a sweep in flight, so the database can close safely. */
  stop(): Promise<void>;
}

/**
 * Every `intervalMs`, auto-submit attempts whose time is up (see `sweepExpiredSessions`), then
 * record the holes in recordings of attempts that ended a while ago (`checkEndedRecordings`).
 * Sweeps never overlap; a failed sweep is reported and retried at the next tick. Safe to run
 * in several processes at once: each session is submitted under a row lock, once.
 */
export function startDeadlineSweeper(
  db: Db,
  clock: Clock,
  intervalMs: number,
  onError: (error: unknown) => void = () => undefined,
): DeadlineSweeper {
  return startIntervalJob(
    // Then check the recordings of attempts that ended a while ago (see checkEndedRecordings).
    () => sweepExpiredSessions(db, clock.now()).then(() => checkEndedRecordings(db, clock.now())),
    intervalMs,
    onError,
  );
}
