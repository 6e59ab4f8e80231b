import { statfs } from 'node:fs/promises';
import { count, eq } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { examSessions, type SampledQueue } from '../../db/schema.js';
import { JOB_TYPES, type JobQueue } from '../../ports/job-queue.port.js';

/** The deployment-wide numbers of a sample: what one process reads for everyone. */
export interface DeploymentState {
  sessionsInProgress: number;
  queues: SampledQueue[];
  blobFreeBytes: number | null;
  blobSizeBytes: number | null;
}

/**
 * Read the deployment's state: attempts in progress, every job type of the job queue, and the
 * free space of a local blob directory (`blobDir` undefined: blobs are not on local disk).
 */
export async function readDeploymentState(
  db: Db,
  jobs: Pick<JobQueue, 'counts'>,
  blobDir: string | undefined,
): Promise<DeploymentState> {
  const [sessions] = await db
    .select({ n: count() })
    .from(examSessions)
    .where(eq(examSessions.state, 'in_progress'));
  const queues: SampledQueue[] = [];
  for (const type of JOB_TYPES)
    queues.push({ source: 'queue', type, ...(await jobs.counts(type)) });
  const disk = blobDir ? await statfs(blobDir) : undefined;
  return {
    sessionsInProgress: Number(sessions?.n ?? 0),
    queues,
    blobFreeBytes: disk ? disk.bavail * disk.bsize : null,
    blobSizeBytes: disk ? disk.blocks * disk.bsize : null,
  };
}
