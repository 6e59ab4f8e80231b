import type { HandService } from '../services/live/hands.service.js';
import { startIntervalJob, type IntervalJob } from './interval-job.js';

/**
 * Every `intervalMs`, close the raised hands still open on attempts that have ended: hands
 * normally close right after the end commits (see `afterSessionEnds`); this catches a process
 * that stopped in between, from the database alone, so no hand stays open for ever.
 */
export function startHandSweep(
  hands: HandService,
  intervalMs: number,
  onError: (error: unknown) => void,
): IntervalJob {
  return startIntervalJob(() => hands.sweepEnded(), intervalMs, onError);
}
