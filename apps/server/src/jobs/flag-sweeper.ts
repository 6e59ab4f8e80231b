import type { FlagService } from '../services/detection/flags.service.js';
import { startIntervalJob, type IntervalJob } from './interval-job.js';

/**
 * Every `intervalMs`, re-judge the sessions whose flags would change with time alone — a
 * detection still under way reaching its minimum duration — so "no face for 5 s" becomes a
 * flag about a second after 5 s even if the browser sends nothing more. Same pattern as the
 * deadline sweeper: sweeps never overlap, a failed sweep is reported and retried next tick,
 * several processes may sweep at once (each session is re-judged under a lock).
 */
export function startFlagSweeper(
  flags: FlagService,
  intervalMs: number,
  onError: (error: unknown) => void = () => undefined,
): IntervalJob {
  return startIntervalJob(() => flags.sweep(), intervalMs, onError);
}
