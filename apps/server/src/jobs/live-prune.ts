import type { Clock } from '../ports/clock.port.js';
import type { LiveFeed } from '../services/live/live-feed.service.js';
import type { SessionHealthTracker } from '../services/sessions/session-health.js';
import { startIntervalJob, type IntervalJob } from './interval-job.js';

/** How long live messages are kept for replay; a client away longer resynchronises. */
export const LIVE_RETENTION_MS = 24 * 60 * 60_000;
/** How often old live messages are deleted. */
export const LIVE_PRUNE_INTERVAL_MS = 60 * 60_000;

/**
 * Every hour, delete live messages older than a day (a dashboard that comes back after
 * that gets `resync` and loads a fresh snapshot) and forget the in-memory health of
 * sessions not heard of for as long. Safe in several processes: deleting twice is harmless.
 */
export function startLivePrune(
  feed: LiveFeed,
  health: SessionHealthTracker,
  clock: Clock,
  onError: (error: unknown) => void = () => undefined,
  intervalMs = LIVE_PRUNE_INTERVAL_MS,
): IntervalJob {
  return startIntervalJob(
    async () => {
      const before = new Date(clock.now().getTime() - LIVE_RETENTION_MS);
      health.prune(before);
      return feed.prune(before);
    },
    intervalMs,
    onError,
  );
}
