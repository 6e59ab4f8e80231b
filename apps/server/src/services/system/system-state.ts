import { statfs } from 'node:fs/promises';
import { count, eq } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { examSessions, type SampledQueue } from '../../db/schema.js';
import { readQueueCounts } from '../../metrics/state-queries.js';
import { JOB_TYPES, type JobQueue } from '../../ports/job-queue.port.js';

/** The deployment-wide numbers of a sample: what one process reads for everyone. */
export interface DeploymentState {
  sessionsInProgress: number;
  queues: SampledQueue[];
  blobFreeBytes: number | null;
  blobSizeBytes: number | null;
}

/**
 * Read the deployment's state: attempts in progress, every job type of the job queue, the
 * analysis queue table as the metrics read it (state-queries.ts), and the free space of a
 * local blob directory (`blobDir` undefined: blobs are not on local disk).
 */
export async function readDeploymentState(
  db: Db,
  jobs: Pick<JobQueue, 'counts'>,
  now: Date,
  blobDir: string | undefined,
): Promise<DeploymentState> {
  const [sessions] = await db
    .select({ n: count() })
    .from(examSessions)
    .where(eq(examSessions.state, 'in_progress'));
  const queues: SampledQueue[] = [];
  for (const type of JOB_TYPES)
    queues.push({ source: 'queue', type, ...(await jobs.counts(type)) });
  // Of the queue tables only analysis_jobs is still a queue: notification deliveries run on
  // the job queue, and their outbox table is the delivery log (as the metrics read it).
  const tables = await readQueueCounts(db, now);
  queues.push({ source: 'table', type: 'analysis.snapshot', ...tables['analysis.snapshot'] });
  const disk = blobDir ? await statfs(blobDir) : undefined;
  return {
    sessionsInProgress: Number(sessions?.n ?? 0),
    queues,
    blobFreeBytes: disk ? disk.bavail * disk.bsize : null,
    blobSizeBytes: disk ? disk.blocks * disk.bsize : null,
  };
}
