import { randomUUID } from 'node:crypto';
import { PermanentJobError, type DeadJob, type JobQueue } from '../../src/ports/job-queue.port.js';
import { eventually } from './eventually.js';

/**
 * A job in the dead letters, made through the port as in production: a `recording.check`
 * (no worker of the app runs that type) added with one attempt and worked here by a handler
 * that fails it permanently with `error`. Returns the dead letter as the queue lists it.
 */
export async function addDeadJob(jobs: JobQueue, error = 'recording unreadable'): Promise<DeadJob> {
  const sessionId = randomUUID();
  const { id } = await jobs.add('recording.check', { sessionId }, { maxAttempts: 1 });
  // Other jobs of the type (one retried earlier) simply complete.
  const worker = jobs.work('recording.check', async (job) => {
    if (job.payload.sessionId === sessionId) throw new PermanentJobError(error);
  });
  try {
    return await eventually(async () => {
      const dead = (await jobs.deadLetters('recording.check', 1000)).find((j) => j.id === id);
      if (!dead) throw new Error(`job ${id} is not dead yet`);
      return dead;
    });
  } finally {
    await worker.stop();
  }
}
