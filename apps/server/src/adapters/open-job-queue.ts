import type { Config } from '../config/config.js';
import type { Db } from '../db/database.js';
import type { JobQueue } from '../ports/job-queue.port.js';
import { DatabaseJobQueue } from './database.job-queue.js';

/**
 * The job queue the configuration names: the database (`QUEUE=database`, the default) or
 * BullMQ on Redis (`QUEUE=bullmq` with `REDIS_URL`), whose client is loaded only then. Both
 * hand a dead worker's job to another worker after `JOB_LEASE_SECONDS`.
 */
export async function openJobQueue(
  config: Pick<Config, 'queue' | 'redisUrl' | 'jobLeaseMs'>,
  db: Db,
  onError: (error: unknown) => void,
): Promise<JobQueue> {
  const leaseMs = config.jobLeaseMs;
  if (config.queue === 'database') return new DatabaseJobQueue(db, { onError, leaseMs });
  if (!config.redisUrl) throw new Error('QUEUE=bullmq needs REDIS_URL');
  const { BullJobQueue } = await import('./bullmq.job-queue.js');
  return BullJobQueue.connect(config.redisUrl, { onError, leaseMs });
}
