import { hostname } from 'node:os';
import type { Db } from '../db/database.js';
import {
  counterDeltas,
  NO_COUNTS,
  readProcessCounters,
  type CounterSources,
} from '../metrics/process-counters.js';
import type { Clock } from '../ports/clock.port.js';
import type { JobQueue } from '../ports/job-queue.port.js';
import { SAMPLE_SECONDS } from '../services/system/system-overview.js';
import { insertSample, pruneSamples } from '../services/system/system-samples.js';
import { readDeploymentState, type DeploymentState } from '../services/system/system-state.js';
import { startIntervalJob, type IntervalJob } from './interval-job.js';

/** How often each process records a sample by default. */
export const SYSTEM_SAMPLE_MS = SAMPLE_SECONDS * 1000;

/** What the sampler of one process reads and where it writes. */
export interface SystemSamplerOptions {
  db: Db;
  clock: Clock;
  /** This process's own instruments (its app's registry). */
  counters: CounterSources;
  /**
   * Given only in the process that runs the background jobs (ProcessRole.jobs): it adds the
   * deployment-wide numbers and prunes old samples, so a cluster reads them once per interval.
   */
  shared?: { jobs: Pick<JobQueue, 'counts'>; blobDir: string | undefined } | undefined;
  intervalMs?: number | undefined;
  /** Default `host:pid`. */
  processId?: string;
  onError(error: unknown, message: string): void;
}

/** A running sampler; `sample` records one now (tests), `stop` waits for one in flight. */
export interface SystemSampler extends IntervalJob {
  sample(): Promise<void>;
}

/** interval_ms is an integer column; a test clock may jump weeks. */
const MAX_INTERVAL_MS = 2 ** 31 - 1;

/**
 * Every `intervalMs`, write one row to `system_samples`: what this process counted since its
 * previous row (ingest, HTTP responses by class, alerts and their latency histogram), plus,
 * from the jobs process, attempts in progress, job queues and blob disk space. A reading
 * that fails is reported and its counts carried into the next row (nothing is lost); the
 * deployment-wide part failing leaves it null in that row only.
 */
export function startSystemSampler(o: SystemSamplerOptions): SystemSampler {
  const processId = o.processId ?? `${hostname()}:${process.pid}`;
  let previous = NO_COUNTS;
  let previousAt = o.clock.now().getTime();

  const take = async () => {
    const now = o.clock.now();
    const counts = await readProcessCounters(o.counters);
    const d = counterDeltas(counts, previous);
    let state: DeploymentState | undefined;
    if (o.shared) {
      state = await readDeploymentState(o.db, o.shared.jobs, o.shared.blobDir).catch(
        (err: unknown) => {
          o.onError(err, 'system sample: reading the deployment state failed');
          return undefined;
        },
      );
    }
    await insertSample(o.db, {
      at: now,
      process: processId,
      intervalMs: Math.min(MAX_INTERVAL_MS, Math.max(1, now.getTime() - previousAt)),
      ingestBytes: d.ingestBytes,
      ingestItems: d.ingestItems,
      httpResponses: d.httpResponses,
      alertsSent: d.alertsSent,
      alertLatencyBuckets: d.alertLatencyBuckets,
      alertLatencySumMs: Math.round(d.alertLatencySumSeconds * 1000),
      sessionsInProgress: state?.sessionsInProgress ?? null,
      queues: state?.queues ?? null,
      blobFreeBytes: state?.blobFreeBytes ?? null,
      blobSizeBytes: state?.blobSizeBytes ?? null,
    });
    previous = counts;
    previousAt = now.getTime();
    if (o.shared) await pruneSamples(o.db, now);
  };

  // One sample at a time, whether from the timer or a caller.
  let last: Promise<void> = Promise.resolve();
  const sample = () => {
    const run = last.then(take);
    last = run.catch(() => undefined);
    return run;
  };
  const loop = startIntervalJob(sample, o.intervalMs ?? SYSTEM_SAMPLE_MS, (err) =>
    o.onError(err, 'system sample failed'),
  );
  return {
    sample,
    async stop() {
      await loop.stop();
      await last;
    },
  };
}
