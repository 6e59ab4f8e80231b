import { and, asc, desc, eq, inArray, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/database.js';
import { jobs } from '../db/schema.js';
import {
  type AddOptions,
  type AddResult,
  type DeadJob,
  type Job,
  JOB_DEFAULTS,
  type JobCatalogue,
  type JobCounts,
  type JobQueue,
  type JobType,
  type JobWorker,
  jobRetryDelayMs,
  PermanentJobError,
  type WorkOptions,
} from '../ports/job-queue.port.js';
import { errorText, validateAddOptions } from './job-queue-options.js';

/** Settings of the embedded queue. */
export interface DatabaseJobQueueOptions {
  /** How often an idle worker looks for due jobs (default 500 ms). */
  pollMs?: number;
  /** A running job not renewed for this long is taken over (default 60 s; renewed at a third). */
  leaseMs?: number;
  /** Told of a failure inside the queue's own loop (not a handler's error); must not throw. */
  onError?: (error: unknown) => void;
}

/** A row claimed by this process: `attempts` is the lease. */
type Claimed = typeof jobs.$inferSelect;

/**
 * The job queue on the database (table `jobs`): the embedded default, and enough for several
 * processes on one PostgreSQL. Claiming takes due rows with `FOR UPDATE SKIP LOCKED` in one
 * statement and leases them; a running job's lease is renewed while its handler runs, so only
 * a process that died (or hung past the lease) loses it, and the job is then claimed again.
 * Finishing is guarded on the lease, so a job taken over is finished by one run only.
 */
export class DatabaseJobQueue implements JobQueue {
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly workers = new Set<DatabaseWorker>();
  /** Wakes this process's idle workers of a type when a job of it is added here. */
  private readonly wakers = new Map<JobType, Set<() => void>>();

  constructor(
    private readonly db: Db,
    private readonly options: DatabaseJobQueueOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 500;
    this.leaseMs = options.leaseMs ?? 60_000;
  }

  async add<T extends JobType>(
    type: T,
    payload: JobCatalogue[T],
    opts: AddOptions = {},
  ): Promise<AddResult> {
    validateAddOptions(opts);
    const now = Date.now();
    const key = opts.key ?? null;
    const [row] = await this.db
      .insert(jobs)
      .values({
        type,
        key,
        payload,
        priority: opts.priority ?? 0,
        maxAttempts: opts.maxAttempts ?? JOB_DEFAULTS.maxAttempts,
        backoffMs: opts.backoffMs ?? JOB_DEFAULTS.backoffMs,
        runAt: new Date(now + (opts.delayMs ?? 0)),
        addedAt: new Date(now),
        updatedAt: new Date(now),
      })
      .onConflictDoNothing()
      .returning({ id: jobs.id });
    if (row) {
      for (const wake of this.wakers.get(type) ?? []) wake();
      return { id: String(row.id), added: true };
    }
    // Only a key can conflict (ids are generated).
    const [existing] = await this.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.type, type), eq(jobs.key, key ?? '')));
    return { id: existing ? String(existing.id) : '', added: false };
  }

  work<T extends JobType>(
    type: T,
    handler: (job: Job<T>) => Promise<void>,
    opts: WorkOptions = {},
  ): JobWorker {
    const worker = new DatabaseWorker(this, type, handler as (job: Job) => Promise<void>, {
      concurrency: Math.max(1, opts.concurrency ?? 1),
      pollMs: this.pollMs,
      leaseMs: this.leaseMs,
      onError: this.options.onError ?? (() => {}),
    });
    this.workers.add(worker);
    const wakers = this.wakers.get(type) ?? new Set();
    wakers.add(worker.wake);
    this.wakers.set(type, wakers);
    worker.start();
    return {
      stop: async () => {
        wakers.delete(worker.wake);
        this.workers.delete(worker);
        await worker.stop();
      },
    };
  }

  /** Lease up to `limit` due jobs of `type` (waiting and due, or running with a lapsed lease). */
  async claim(type: JobType, limit: number): Promise<Claimed[]> {
    const now = new Date();
    const due = this.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(
        and(
          eq(jobs.type, type),
          or(
            and(eq(jobs.status, 'waiting'), lte(jobs.runAt, now)),
            and(eq(jobs.status, 'running'), lte(jobs.lockedUntil, now)),
          ),
        ),
      )
      .orderBy(asc(jobs.priority), asc(jobs.runAt), asc(jobs.id))
      .limit(limit)
      .for('update', { skipLocked: true });
    const rows = await this.db
      .update(jobs)
      .set({
        status: 'running',
        attempts: sql`${jobs.attempts} + 1`,
        lockedUntil: new Date(now.getTime() + this.leaseMs),
        updatedAt: now,
      })
      .where(inArray(jobs.id, due))
      .returning();
    return rows.sort((a, b) => a.priority - b.priority || +a.runAt - +b.runAt || a.id - b.id);
  }

  /** Extend the lease of a job still running under `attempts`; false when it was lost. */
  async renew(job: Claimed): Promise<boolean> {
    const rows = await this.db
      .update(jobs)
      .set({ lockedUntil: new Date(Date.now() + this.leaseMs) })
      .where(this.ours(job))
      .returning({ id: jobs.id });
    return rows.length > 0;
  }

  /** The job succeeded: it is deleted (if the lease is still ours). */
  async complete(job: Claimed): Promise<void> {
    await this.db.delete(jobs).where(this.ours(job));
  }

  /** The job failed: retried with backoff, or dead when permanent or out of attempts. */
  async fail(job: Claimed, error: unknown): Promise<void> {
    const dead = error instanceof PermanentJobError || job.attempts >= job.maxAttempts;
    const now = Date.now();
    await this.db
      .update(jobs)
      .set({
        status: dead ? 'dead' : 'waiting',
        lockedUntil: null,
        lastError: errorText(error),
        runAt: new Date(dead ? now : now + jobRetryDelayMs(job.attempts, job.backoffMs, error)),
        updatedAt: new Date(now),
      })
      .where(this.ours(job));
  }

  async counts(type: JobType): Promise<JobCounts> {
    const now = new Date();
    const due = sql`${jobs.status} = 'waiting' and ${jobs.runAt} <= ${now}`;
    const [row] = await this.db
      .select({
        waiting: sql<number>`count(*) filter (where ${due})`.mapWith(Number),
        delayed:
          sql<number>`count(*) filter (where ${jobs.status} = 'waiting' and ${jobs.runAt} > ${now})`.mapWith(
            Number,
          ),
        running: sql<number>`count(*) filter (where ${jobs.status} = 'running')`.mapWith(Number),
        dead: sql<number>`count(*) filter (where ${jobs.status} = 'dead')`.mapWith(Number),
        oldest: sql<string | null>`min(${jobs.runAt}) filter (where ${due})`,
      })
      .from(jobs)
      .where(eq(jobs.type, type));
    const oldest = row?.oldest ? new Date(row.oldest).getTime() : undefined;
    return {
      waiting: row?.waiting ?? 0,
      delayed: row?.delayed ?? 0,
      running: row?.running ?? 0,
      dead: row?.dead ?? 0,
      oldestWaitingMs: oldest === undefined ? 0 : Math.max(0, now.getTime() - oldest),
    };
  }

  async deadLetters(type?: JobType, limit = 100): Promise<DeadJob[]> {
    const rows = await this.db
      .select()
      .from(jobs)
      .where(and(eq(jobs.status, 'dead'), type === undefined ? undefined : eq(jobs.type, type)))
      .orderBy(desc(jobs.updatedAt), desc(jobs.id))
      .limit(limit);
    return rows.map((r) => ({
      id: String(r.id),
      type: r.type as JobType,
      key: r.key,
      payload: r.payload,
      attempts: r.attempts,
      error: r.lastError ?? '',
      addedMs: r.addedAt.getTime(),
      diedMs: r.updatedAt.getTime(),
    }));
  }

  async retryDead(id: string): Promise<boolean> {
    if (!/^\d{1,18}$/.test(id)) return false;
    const now = new Date();
    const rows = await this.db
      .update(jobs)
      .set({ status: 'waiting', attempts: 0, runAt: now, lockedUntil: null, updatedAt: now })
      .where(and(eq(jobs.id, Number(id)), eq(jobs.status, 'dead')))
      .returning({ type: jobs.type });
    const type = rows[0]?.type as JobType | undefined;
    if (type !== undefined) for (const wake of this.wakers.get(type) ?? []) wake();
    return rows.length > 0;
  }

  /**
   * Stop at once as a crash would: running jobs are neither finished nor renewed, so their
   * leases lapse and another process takes them over. For tests of exactly that.
   */
  abandon(): void {
    for (const w of this.workers) w.abandon();
    this.workers.clear();
    this.wakers.clear();
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.stop()));
    this.workers.clear();
    this.wakers.clear();
  }

  private ours(job: Claimed) {
    return and(eq(jobs.id, job.id), eq(jobs.status, 'running'), eq(jobs.attempts, job.attempts));
  }
}

/** One `work` call: a polling loop that keeps up to `concurrency` jobs running. */
class DatabaseWorker {
  private running = new Set<Promise<void>>();
  private readonly renewals = new Set<NodeJS.Timeout>();
  private stopped = false;
  private crashed = false;
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  private sleeping: (() => void) | undefined;

  constructor(
    private readonly queue: DatabaseJobQueue,
    private readonly type: JobType,
    private readonly handler: (job: Job) => Promise<void>,
    private readonly opts: {
      concurrency: number;
      pollMs: number;
      leaseMs: number;
      onError: (e: unknown) => void;
    },
  ) {}

  /** Cut the idle wait short (a job was added in this process). */
  readonly wake = (): void => this.sleeping?.();

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.loop;
    await Promise.all(this.running);
  }

  /** See DatabaseJobQueue.abandon. */
  abandon(): void {
    this.crashed = true;
    this.stopped = true;
    for (const r of this.renewals) clearInterval(r);
    this.wake();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const free = this.opts.concurrency - this.running.size;
      let claimed: Claimed[] = [];
      if (free > 0) {
        try {
          claimed = await this.queue.claim(this.type, free);
        } catch (err) {
          this.opts.onError(err);
        }
      }
      for (const row of claimed) this.track(this.runOne(row));
      // Look again at once after a full claim; otherwise wait for a poll, a wake or a free slot.
      if (claimed.length > 0 && claimed.length === free) continue;
      await new Promise<void>((resolve) => {
        this.sleeping = resolve;
        this.timer = setTimeout(resolve, this.opts.pollMs);
      });
      clearTimeout(this.timer);
      this.sleeping = undefined;
    }
  }

  private track(p: Promise<void>): void {
    this.running.add(p);
    void p.finally(() => {
      this.running.delete(p);
      this.wake();
    });
  }

  private async runOne(row: Claimed): Promise<void> {
    // A job whose runs keep dying (its worker killed each time) is dead once out of attempts.
    if (row.attempts > row.maxAttempts) {
      await this.queue
        .fail(row, new PermanentJobError('Its worker stopped before finishing every attempt'))
        .catch(this.opts.onError);
      return;
    }
    const renew = setInterval(
      () => void this.queue.renew(row).catch(this.opts.onError),
      Math.max(50, Math.floor(this.opts.leaseMs / 3)),
    );
    this.renewals.add(renew);
    const done = () => {
      clearInterval(renew);
      this.renewals.delete(renew);
      return !this.crashed;
    };
    try {
      await this.handler({
        id: String(row.id),
        type: this.type,
        payload: row.payload as JobCatalogue[JobType],
        attempt: row.attempts,
        maxAttempts: row.maxAttempts,
      });
      if (done()) await this.queue.complete(row).catch(this.opts.onError);
    } catch (err) {
      if (done()) await this.queue.fail(row, err).catch(this.opts.onError);
    }
  }
}
