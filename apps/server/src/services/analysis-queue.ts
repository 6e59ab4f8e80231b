import { and, asc, eq, inArray, lte, or, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../db/database.js';
import { analysisJobs } from '../db/schema.js';

/** Why a snapshot is analysed. */
export type AnalysisReason = 'sample' | 'client_report' | 'enrolment';

/** A snapshot to analyse. */
export interface AnalysisJobInput {
  sessionId: string;
  snapshotId: string;
  reason: AnalysisReason;
  /** For samples: the sampling bucket, at most one sample per session and bucket. */
  sampleBucket?: number;
}

/** A job leased by this worker. `attempts` identifies the lease. */
export interface LeasedJob {
  id: number;
  sessionId: string;
  snapshotId: string;
  reason: AnalysisReason;
  attempts: number;
}

/** Thrown by `complete` when the lease ran out and another worker took the job over. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/** Failed attempts before a job is given up. */
const MAX_ATTEMPTS = 5;
/** A lease longer than any analysis (a cold worker loads models in seconds). */
export const LEASE_MS = 5 * 60_000;

/** Retry delay after the n-th failed attempt: 5 s, 20 s, 80 s, … capped at 10 minutes. */
export const retryDelayMs = (attempts: number): number =>
  Math.min(10 * 60_000, 5000 * 4 ** Math.max(0, attempts - 1));

/**
 * The durable queue of snapshot analyses (table `analysis_jobs`). Survives restarts;
 * several processes may work it at once: claiming skips rows another transaction holds,
 * a lease that expires is taken over, and completing re-checks the lease in the same
 * transaction as the result, so a result is written exactly once.
 */
export class AnalysisQueue {
  constructor(private readonly db: Db) {}

  /** Add jobs; a snapshot already queued (or a bucket already sampled) is skipped. */
  async enqueue(db: DbOrTx, jobs: readonly AnalysisJobInput[], now: Date): Promise<number> {
    if (jobs.length === 0) return 0;
    const rows = await db
      .insert(analysisJobs)
      .values(
        jobs.map((j) => ({
          sessionId: j.sessionId,
          snapshotId: j.snapshotId,
          reason: j.reason,
          sampleBucket: j.sampleBucket ?? null,
          runAt: now,
          createdAt: now,
          updatedAt: now,
        })),
      )
      .onConflictDoNothing()
      .returning({ id: analysisJobs.id });
    return rows.length;
  }

  /** Lease up to `limit` due jobs (queued and due, or running with an expired lease). */
  async claim(limit: number, now: Date): Promise<LeasedJob[]> {
    if (limit <= 0) return [];
    return this.db.transaction(async (tx) => {
      const due = await tx
        .select({ id: analysisJobs.id })
        .from(analysisJobs)
        .where(
          or(
            and(eq(analysisJobs.status, 'queued'), lte(analysisJobs.runAt, now)),
            and(eq(analysisJobs.status, 'running'), lte(analysisJobs.lockedUntil, now)),
          ),
        )
        .orderBy(asc(analysisJobs.runAt), asc(analysisJobs.id))
        .limit(limit)
        .for('update', { skipLocked: true });
      if (due.length === 0) return [];
      const leased = await tx
        .update(analysisJobs)
        .set({
          status: 'running',
          attempts: sql`${analysisJobs.attempts} + 1`,
          lockedUntil: new Date(now.getTime() + LEASE_MS),
          updatedAt: now,
        })
        .where(
          inArray(
            analysisJobs.id,
            due.map((d) => d.id),
          ),
        )
        .returning();
      return leased.map((r) => ({
        id: r.id,
        sessionId: r.sessionId,
        snapshotId: r.snapshotId,
        reason: r.reason as AnalysisReason,
        attempts: r.attempts,
      }));
    });
  }

  /**
   * Write the job's result and mark it done in one transaction, if the lease is still
   * ours; otherwise nothing is written and LeaseLostError is thrown.
   */
  async complete(job: LeasedJob, now: Date, write: (tx: Tx) => Promise<void>): Promise<void> {
    await this.db.transaction(async (tx) => {
      const done = await tx
        .update(analysisJobs)
        .set({ status: 'done', lockedUntil: null, lastError: null, updatedAt: now })
        .where(this.ours(job))
        .returning({ id: analysisJobs.id });
      if (done.length === 0) throw new LeaseLostError(`Analysis job ${job.id} was taken over`);
      await write(tx);
    });
  }

  /**
   * Record a failed attempt: retried later with backoff, or given up (status `failed`)
   * when `permanent` or out of attempts. Returns whether it was given up.
   */
  async fail(job: LeasedJob, error: string, now: Date, permanent: boolean): Promise<boolean> {
    const giveUp = permanent || job.attempts >= MAX_ATTEMPTS;
    await this.db
      .update(analysisJobs)
      .set({
        status: giveUp ? 'failed' : 'queued',
        lockedUntil: null,
        lastError: error.slice(0, 2000),
        runAt: new Date(now.getTime() + (giveUp ? 0 : retryDelayMs(job.attempts))),
        updatedAt: now,
      })
      .where(this.ours(job));
    return giveUp;
  }

  private ours(job: LeasedJob) {
    return and(
      eq(analysisJobs.id, job.id),
      eq(analysisJobs.status, 'running'),
      eq(analysisJobs.attempts, job.attempts),
    );
  }
}
