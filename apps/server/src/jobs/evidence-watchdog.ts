import type { EvidenceWatchdog } from '../services/detection/evidence-watchdog.service.js';
import { startIntervalJob, type IntervalJob } from './interval-job.js';

/**
 * Every `intervalMs` (EVIDENCE_SWEEP_SECONDS), judge what running attempts should have
 * uploaded by now and check the recordings of ended ones whose uploads settled (see
 * `EvidenceWatchdog.sweep`). Same pattern as the other sweepers: runs never overlap, a failed
 * sweep is reported and retried next tick, several processes may sweep at once.
 */
export function startEvidenceWatchdog(
  watchdog: EvidenceWatchdog,
  intervalMs: number,
  onError: (error: unknown) => void = () => undefined,
): IntervalJob {
  return startIntervalJob(() => watchdog.sweep(), intervalMs, onError);
}
