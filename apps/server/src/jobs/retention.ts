import type { RetentionRunReport } from '@invigil/contracts';
import { startIntervalJob, type IntervalJob } from './interval-job.js';

/** The retention sweep runs this often in the jobs process (deletions are due by the day). */
export const RETENTION_SWEEP_MS = 60 * 60_000;
/** The first sweep, a few minutes after start (not in the middle of start-up). */
const FIRST_SWEEP_MS = 5 * 60_000;

/**
 * Start the periodic retention sweep (services/retention/retention-sweep.ts): hourly, the
 * first a few minutes after start. Runs never overlap; a failed run is reported and retried
 * at the next tick (deletions are idempotent, an interrupted one is finished then).
 */
export function startRetentionSweep(
  sweep: () => Promise<RetentionRunReport>,
  onReport: (report: RetentionRunReport) => void,
  onError: (error: unknown) => void,
): IntervalJob {
  const run = async () => onReport(await sweep());
  const hourly = startIntervalJob(run, RETENTION_SWEEP_MS, onError);
  let first: Promise<unknown> | undefined;
  const soon = setTimeout(() => {
    first = run().catch(onError);
  }, FIRST_SWEEP_MS);
  soon.unref();
  return {
    async stop() {
      clearTimeout(soon);
      await first;
      await hourly.stop();
    },
  };
}
