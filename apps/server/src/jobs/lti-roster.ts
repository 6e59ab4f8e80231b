import { startIntervalJob, type IntervalJob } from './interval-job.js';

/**
 * Start the scheduled roster synchronisation (services/lti/roster-sync.service.ts): every
 * `checkMs`, the courses whose roster was last synced longer ago than the schedule are synced
 * (`syncDue`). Runs never overlap; a failed run is reported and the next look tries again.
 */
export function startRosterSchedule(
  syncDue: () => Promise<number>,
  checkMs: number,
  onError: (error: unknown) => void,
): IntervalJob {
  return startIntervalJob(syncDue, checkMs, onError);
}
