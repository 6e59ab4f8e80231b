import { and, asc, count, eq, inArray, lte, sql, type SQL } from 'drizzle-orm';
import type { Db, Tx } from '../../db/database.js';
import { analysisJobs, snapshots } from '../../db/schema.js';
import type { JobQueue } from '../../ports/job-queue.port.js';
import { chooseShed, type QueueBounds, type ShedChoice } from './analysis-shedding.js';
import { analysisPriority } from './analysis-turns.js';

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

/** An analysis this run has begun. `attempts` identifies the run. */
export interface LeasedJob {
  id: number;
  sessionId: string;
  snapshotId: string;
  reason: AnalysisReason;
  attempts: number;
  /** When the analysis was queued (its latency runs from here). */
  createdAt?: Date;
}

/** Thrown by `complete` when another run of the same analysis began meanwhile. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

/** Which analysis a job of the job queue names. */
export type AnalysisJobRef = { analysisJobId: number } | { snapshotId: string };

/** The job that carries an analysis: identity photos have a type of their own. */
export const analysisJobType = (reason: AnalysisReason) =>
  reason === 'enrolment' ? ('identity.enrolment' as const) : ('analysis.snapshot' as const);

type Row = typeof analysisJobs.$inferSelect;

/**
 * Snapshot analyses (table `analysis_jobs`: what to analyse, why, and how it ended) and
 * their dispatch onto the deployment's job queue, which decides where and when each runs,
 * retries it and keeps the dead letters. A row is the domain record: unique per snapshot and
 * per sampling bucket, shed under load, done exactly once. A run begins by taking the row
 * (`begin`, counting the attempt), and completing re-checks that no later run began in the
 * same transaction as the result, so a job that runs twice (a worker that died or stalled
 * past its lease) writes its result once.
 */
export class AnalysisQueue {
  constructor(
    private readonly db: Db,
    private readonly jobs: Pick<JobQueue, 'add'>,
  ) {}

  /**
   * Add analyses (a snapshot already queued, or a bucket already sampled, is skipped) and
   * their jobs. Rows commit first, so a worker always finds the row its job names; a job
   * not added (the queue unreachable) is added again by `redispatch`.
   */
  async enqueue(jobs: readonly AnalysisJobInput[], now: Date): Promise<number> {
    if (jobs.length === 0) return 0;
    const rows = await this.db
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
    await this.dispatch(rows.map((r) => r.id));
    return rows.length;
  }

  /**
   * Add the jobs of analyses still waiting whose row has not changed for `staleMs`: a job
   * lost between the row and the queue (a crash, the queue unreachable). Adding is keyed, so
   * a job still there is left alone. Touches the rows, so a long backlog is walked through
   * `limit` at a time rather than the same oldest rows each time. Returns how many were seen.
   */
  async redispatch(now: Date, staleMs: number, limit = 200): Promise<number> {
    const j = analysisJobs;
    const stale = await this.db
      .select({ id: j.id })
      .from(j)
      .where(
        and(
          inArray(j.status, ['queued', 'running']),
          lte(j.updatedAt, new Date(now.getTime() - staleMs)),
        ),
      )
      .orderBy(asc(j.updatedAt), asc(j.id))
      .limit(limit);
    if (stale.length === 0) return 0;
    const ids = stale.map((r) => r.id);
    await this.db.update(j).set({ updatedAt: now }).where(inArray(j.id, ids));
    await this.dispatch(ids);
    return ids.length;
  }

  /** Add the jobs of these analyses, each with its turn's priority. */
  private async dispatch(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    const j = analysisJobs;
    // Written out: drizzle leaves a single-table select's columns unqualified.
    const turn = sql<number>`(select count(*) from analysis_jobs q where q.session_id = analysis_jobs.session_id and q.status = 'queued' and (q.reason = 'sample') = (analysis_jobs.reason = 'sample') and q.id < analysis_jobs.id)`;
    const rows = await this.db
      .select({
        id: j.id,
        snapshotId: j.snapshotId,
        sessionId: j.sessionId,
        reason: j.reason,
        turn,
      })
      .from(j)
      .where(inArray(j.id, [...ids]))
      .orderBy(asc(j.id));
    for (const row of rows) {
      const reason = row.reason as AnalysisReason;
      const priority = analysisPriority(reason, Number(row.turn));
      if (analysisJobType(reason) === 'identity.enrolment') {
        const payload = { sessionId: row.sessionId, snapshotId: row.snapshotId };
        await this.jobs.add('identity.enrolment', payload, { key: row.snapshotId, priority });
      } else {
        const payload = { analysisJobId: row.id };
        await this.jobs.add('analysis.snapshot', payload, { key: String(row.id), priority });
      }
    }
  }

  /**
   * Begin a run of the analysis a job names: counts the attempt and returns it, or undefined
   * when there is nothing to do (done, shed, or its session deleted). A dead-lettered one
   * (`failed`) put back by an admin runs again.
   */
  async begin(ref: AnalysisJobRef, now: Date): Promise<LeasedJob | undefined> {
    const j = analysisJobs;
    const which =
      'analysisJobId' in ref ? eq(j.id, ref.analysisJobId) : eq(j.snapshotId, ref.snapshotId);
    const [row] = await this.db
      .update(j)
      .set({ status: 'running', attempts: sql`${j.attempts} + 1`, updatedAt: now })
      .where(and(which, inArray(j.status, ['queued', 'running', 'failed'])))
      .returning();
    return row ? leased(row) : undefined;
  }

  /**
   * Write the run's result and mark the analysis done in one transaction, if no later run
   * began; otherwise nothing is written and LeaseLostError is thrown.
   */
  async complete(job: LeasedJob, now: Date, write: (tx: Tx) => Promise<void>): Promise<void> {
    await this.db.transaction(async (tx) => {
      const done = await tx
        .update(analysisJobs)
        .set({ status: 'done', lockedUntil: null, lastError: null, updatedAt: now })
        .where(this.ours(job))
        .returning({ id: analysisJobs.id });
      if (done.length === 0) throw new LeaseLostError(`Analysis ${job.id} was taken over`);
      await write(tx);
    });
  }

  /**
   * Record a failed run: back to `queued` for the job queue's retry, or `failed` when given
   * up (then `write` runs in the same transaction: the failure's event). False when a later
   * run began, so this one records nothing.
   */
  async fail(
    job: LeasedJob,
    error: string,
    now: Date,
    giveUp: boolean,
    write?: (tx: Tx) => Promise<void>,
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = await tx
        .update(analysisJobs)
        .set({
          status: giveUp ? 'failed' : 'queued',
          lockedUntil: null,
          lastError: error.slice(0, 2000),
          updatedAt: now,
        })
        .where(this.ours(job))
        .returning({ id: analysisJobs.id });
      if (rows.length === 0) return false;
      if (giveUp) await write?.(tx);
      return true;
    });
  }

  /** Queued jobs now: all of them, the routine samples, and the samples of `sessionId`. */
  async queuedCounts(
    sessionId: string,
  ): Promise<{ total: number; samples: number; sessionSamples: number }> {
    const j = analysisJobs;
    const isSample = sql`${j.reason} = 'sample'`;
    const [row] = await this.db
      .select({
        total: count(),
        samples: count(sql`case when ${isSample} then 1 end`),
        sessionSamples: count(
          sql`case when ${isSample} and ${j.sessionId} = ${sessionId} then 1 end`,
        ),
      })
      .from(j)
      .where(eq(j.status, 'queued'));
    return {
      total: row?.total ?? 0,
      samples: row?.samples ?? 0,
      sessionSamples: row?.sessionSamples ?? 0,
    };
  }

  /**
   * Bring the queue back within `bounds` by marking the oldest routine samples `shed` (see
   * `chooseShed`); their jobs, when they come up, find nothing to do. The rows are read
   * without locking them (locking every queued row on every enqueue while the queue was full
   * stalled analysis at 300 students); only the chosen rows are updated, and only while
   * still queued, so a run begun meanwhile goes on. `record` runs in the same transaction
   * with what was shed, per session and bound, so shedding and its record commit together.
   */
  async shed(
    bounds: QueueBounds,
    now: Date,
    record: (tx: Tx, shed: ShedGroup[]) => Promise<void>,
  ): Promise<ShedGroup[]> {
    const j = analysisJobs;
    return this.db.transaction(async (tx) => {
      const queued = await tx
        .select({ id: j.id, sessionId: j.sessionId, reason: j.reason })
        .from(j)
        .where(eq(j.status, 'queued'))
        .orderBy(asc(j.id));
      const choice = chooseShed(
        queued.map((q) => ({ ...q, reason: q.reason as AnalysisReason })),
        bounds,
      );
      if (choice.length === 0) return [];
      const rows = await tx
        .update(j)
        .set({ status: 'shed', lockedUntil: null, updatedAt: now })
        .where(
          and(
            eq(j.status, 'queued'),
            inArray(
              j.id,
              choice.map((c) => c.id),
            ),
          ),
        )
        .returning({ id: j.id, snapshotId: j.snapshotId });
      const seqs = new Map(
        (rows.length === 0
          ? []
          : await tx
              .select({ id: snapshots.id, seq: snapshots.seq })
              .from(snapshots)
              .where(
                inArray(
                  snapshots.id,
                  rows.map((r) => r.snapshotId),
                ),
              )
        ).map((s) => [s.id, s.seq]),
      );
      const snapshotOf = new Map(rows.map((r) => [r.id, r.snapshotId]));
      const groups = groupShed(choice, (id) => {
        const snapshotId = snapshotOf.get(id);
        return snapshotId === undefined ? undefined : seqs.get(snapshotId);
      });
      await record(tx, groups);
      return groups;
    });
  }

  private ours(job: LeasedJob): SQL | undefined {
    return and(
      eq(analysisJobs.id, job.id),
      eq(analysisJobs.status, 'running'),
      eq(analysisJobs.attempts, job.attempts),
    );
  }
}

/** The run a row now describes. */
const leased = (r: Row): LeasedJob => ({
  id: r.id,
  sessionId: r.sessionId,
  snapshotId: r.snapshotId,
  reason: r.reason as AnalysisReason,
  attempts: r.attempts,
  createdAt: r.createdAt,
});

/** Jobs shed from one session for one bound, with their snapshots' sequence numbers. */
export interface ShedGroup {
  sessionId: string;
  bound: ShedChoice['bound'];
  snapshotSeqs: number[];
}

/** Group shed jobs by session and bound; a job whose update did not apply has no seq. */
function groupShed(
  choice: readonly ShedChoice[],
  seqOf: (jobId: number) => number | undefined,
): ShedGroup[] {
  const groups = new Map<string, ShedGroup>();
  for (const c of choice) {
    const seq = seqOf(c.id);
    if (seq === undefined) continue;
    const key = `${c.sessionId}/${c.bound}`;
    const group = groups.get(key) ?? { sessionId: c.sessionId, bound: c.bound, snapshotSeqs: [] };
    group.snapshotSeqs.push(seq);
    groups.set(key, group);
  }
  return [...groups.values()];
}
