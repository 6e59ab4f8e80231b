import type { Db } from '../db/database.js';
import type { Clock } from '../ports/clock.port.js';
import { checkEndedRecordings } from '../services/recording-check.js';
import { sweepExpiredSessions } from '../services/sessions.service.js';
import { startIntervalJob, type IntervalJob } from './interval-job.js';

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
): IntervalJob {
  return startIntervalJob(
    // Then check the recordings of attempts that ended a while ago (see checkEndedRecordings).
    () => sweepExpiredSessions(db, clock.now()).then(() => checkEndedRecordings(db, clock.now())),
    intervalMs,
    onError,
  );
}
