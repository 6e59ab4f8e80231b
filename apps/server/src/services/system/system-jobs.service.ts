import type { DeadLetter, SystemJobs } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import { JOB_TYPES, type DeadJob, type JobQueue } from '../../ports/job-queue.port.js';
import type { Actor } from '../accounts/actor.js';
import { appendAudit } from '../audit/audit.service.js';

/** Dead letters listed on the System page at most. */
export const DEAD_LETTERS_LIMIT = 100;
/** A payload summary is cut here: payloads point at rows, a line is enough to find them. */
const SUMMARY_CHARS = 160;

/** A payload in one line: `key: value` pairs of its top level, cut to SUMMARY_CHARS. */
export function summarisePayload(payload: unknown): string {
  const text =
    payload !== null && typeof payload === 'object' && !Array.isArray(payload)
      ? Object.entries(payload)
          .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(', ')
      : JSON.stringify(payload ?? null);
  return text.length > SUMMARY_CHARS ? `${text.slice(0, SUMMARY_CHARS - 1)}…` : text;
}

const toDeadLetter = (j: DeadJob): DeadLetter => ({
  id: j.id,
  type: j.type,
  key: j.key,
  attempts: j.attempts,
  error: j.error,
  addedAt: new Date(j.addedMs).toISOString(),
  diedAt: new Date(j.diedMs).toISOString(),
  payloadSummary: summarisePayload(j.payload),
});

/** The background job queue as admins see it: counts per type, dead letters, retry. */
export class SystemJobsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly jobs: JobQueue,
  ) {}

  /** Counts of every job type and the newest dead letters. */
  async list(): Promise<SystemJobs> {
    const types = [];
    for (const type of JOB_TYPES) {
      const c = await this.jobs.counts(type);
      types.push({
        type,
        waiting: c.waiting,
        delayed: c.delayed,
        running: c.running,
        dead: c.dead,
        oldestWaitingSeconds: c.oldestWaitingMs / 1000,
      });
    }
    const dead = await this.jobs.deadLetters(undefined, DEAD_LETTERS_LIMIT);
    return {
      types,
      deadLetters: dead.map(toDeadLetter),
      deadLettersLimit: DEAD_LETTERS_LIMIT,
    };
  }

  /**
   * Put a dead job back to run now with fresh attempts (404 when there is no such dead job),
   * then audit it with what the dead letter said. The queue may live outside the database
   * (BullMQ), so the two cannot share a transaction: the retry comes first, because an audit
   * entry for a retry that never happened would be worse than the reverse.
   */
  async retry(actor: Actor, id: string): Promise<void> {
    const dead = (await this.jobs.deadLetters(undefined, 1000)).find((j) => j.id === id);
    if (!(await this.jobs.retryDead(id))) throw errors.notFound('Dead job');
    // In a transaction: the audit chain's advisory lock is held until it commits.
    await this.db.transaction((tx) =>
      appendAudit(
        tx,
        {
          actorId: actor.userId,
          action: 'job.retry',
          entityType: 'job',
          entityId: id,
          data: dead ? { type: dead.type, key: dead.key, attempts: dead.attempts } : {},
        },
        this.clock.now(),
      ),
    );
  }
}
