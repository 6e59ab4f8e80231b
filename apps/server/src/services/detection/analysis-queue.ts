import { and, asc, count, eq, inArray, lte, or, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../../db/database.js';
import { analysisJobs, snapshots } from '../../db/schema.js';
import { chooseShed, type QueueBounds, type ShedChoice } from './analysis-shedding.js';
import { ServedSessions } from './analysis-turns.js';

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
  /** When the job was added (its latency runs from here). */
  createdAt?: Date;
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
  private readonly turns = new ServedSessions();

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

  /**
   * Lease up to `limit` due jobs (queued and due, or running with an expired lease).
   * Detections' snapshots and identity photos go before every routine sample of every
   * session: under load samples wait (and are shed), a detection is checked at once. Within
   * each of the two classes, in turns across sessions: every session's first job, then every
   * session's second, and so on, sessions served least recently first (`ServedSessions`) —
   * so a session with a thousand jobs waiting delays another session by one job per turn,
   * not by its backlog (a tampered client's reports are also capped by its budget).
   */
  async claim(limit: number, now: Date): Promise<LeasedJob[]> {
    if (limit <= 0) return [];
    const j = analysisJobs;
    const isDue = or(
      and(eq(j.status, 'queued'), lte(j.runAt, now)),
      and(eq(j.status, 'running'), lte(j.lockedUntil, now)),
    );
    const routine = sql<number>`case when ${j.reason} = 'sample' then 1 else 0 end`;
    // One parameter, however many sessions: 0 (never served here) sorts first.
    const served = this.turns.leastRecentFirst().join(',');
    const recency = sql<number>`coalesce(array_position(string_to_array(${served}, ',')::uuid[], ${j.sessionId}), 0)`;
    const leased = await this.db.transaction(async (tx) => {
      // Window functions cannot be locked, so the turns are ranked in a subquery and the
      // rows locked outside it; the outer test of `isDue` is re-checked on a row another
      // process claimed meanwhile, so it is skipped rather than leased twice.
      const ranked = tx
        .select({
          id: j.id,
          turn: sql<number>`row_number() over (partition by ${j.sessionId}, ${routine} order by ${j.runAt}, ${j.id})`.as(
            'turn',
          ),
          recency: recency.as('recency'),
          routine: routine.as('routine'),
        })
        .from(j)
        .where(isDue)
        .as('ranked');
      const due = await tx
        .select({ id: j.id })
        .from(j)
        .innerJoin(ranked, eq(ranked.id, j.id))
        .where(isDue)
        .orderBy(
          asc(ranked.routine),
          asc(ranked.turn),
          asc(ranked.recency),
          asc(j.runAt),
          asc(j.id),
        )
        .limit(limit)
        .for('update', { of: j, skipLocked: true });
      if (due.length === 0) return [];
      const rows = await tx
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
      const order = new Map(due.map((d, i) => [d.id, i]));
      return rows
        .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
        .map((r) => ({
          id: r.id,
          sessionId: r.sessionId,
          snapshotId: r.snapshotId,
          reason: r.reason as AnalysisReason,
          attempts: r.attempts,
          createdAt: r.createdAt,
        }));
    });
    this.turns.served(leased.map((job) => job.sessionId));
    return leased;
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
   * `chooseShed`). The queue is read without locking it: locking every queued row here, on
   * every enqueue while the queue is full, made the runner's claim skip them all and analysis
   * stopped (seen at 300 students). Only the chosen rows are updated, and only while still
   * queued, so a job claimed meanwhile stays claimed. `record`
   * runs in the same transaction with what was shed, per session and bound, so shedding and
   * its record commit together.
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

  private ours(job: LeasedJob) {
    return and(
      eq(analysisJobs.id, job.id),
      eq(analysisJobs.status, 'running'),
      eq(analysisJobs.attempts, job.attempts),
    );
  }
}

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
