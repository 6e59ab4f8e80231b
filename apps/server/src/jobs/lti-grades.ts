import type { JobQueue } from '../ports/job-queue.port.js';
import type { LtiGradePassback } from '../services/lti/grade-passback.service.js';

/** Retries of one grade send. */
export interface GradeRetries {
  maxAttempts: number;
  /** Delay after the first failure, doubled after each further one. */
  backoffMs: number;
}

/** Queue one send of a session's grade (any process; `key` keeps a verdict's send single). */
export async function dispatchGrade(
  queue: JobQueue,
  sessionId: string,
  key: string,
  retries: GradeRetries,
): Promise<void> {
  await queue.add('lti.grade', { sessionId }, { key: `lti-grade:${key}`, ...retries });
}

/**
 * Sends grades to learning platforms in the process that runs the background jobs: works the
 * `lti.grade` jobs (a failed send is thrown back for the queue's backoff; the last attempt
 * leaves the grade `failed`).
 */
export function startGradeWorker(queue: JobQueue, passback: LtiGradePassback) {
  return queue.work(
    'lti.grade',
    (job) => passback.send(job.payload.sessionId, job.attempt >= job.maxAttempts),
    { concurrency: 2 },
  );
}
