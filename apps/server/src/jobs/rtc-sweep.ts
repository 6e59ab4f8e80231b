import type { RtcLinkService } from '../services/live/rtc-links.service.js';
import { startIntervalJob, type IntervalJob } from './interval-job.js';

/**
 * How often stale live links are looked for: a sixth of the shortest timeout, between
 * 200 ms and 5 s, so a link ends close to its deadline without polling needlessly.
 */
export function rtcSweepInterval(o: { connectTimeoutMs: number; ringTimeoutMs: number }): number {
  return Math.min(5000, Math.max(200, Math.min(o.connectTimeoutMs, o.ringTimeoutMs) / 6));
}

/**
 * End live links that timed out, whose attempt stopped running, or whose side's process is
 * gone, from the database alone: it works after a restart and in any process (ending twice
 * is harmless, see `endLinks`).
 */
export function startRtcSweep(
  links: RtcLinkService,
  onError: (error: unknown) => void,
  intervalMs = rtcSweepInterval(links.options),
): IntervalJob {
  return startIntervalJob(() => links.sweep(), intervalMs, onError);
}
