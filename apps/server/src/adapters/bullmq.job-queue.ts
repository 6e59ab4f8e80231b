import { randomUUID } from 'node:crypto';
import { Job as BullJob, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  type AddOptions,
  type AddResult,
  type DeadJob,
  type Job,
  JOB_DEFAULTS,
  JOB_TYPES,
  jobRetryDelayMs,
  type JobCatalogue,
  type JobCounts,
  type JobQueue,
  type JobType,
  type JobWorker,
  PermanentJobError,
  type WorkOptions,
} from '../ports/job-queue.port.js';
import { errorText, validateAddOptions } from './job-queue-options.js';

/** Settings of the BullMQ queue. */
export interface BullJobQueueOptions {
  /** Key prefix in Redis, so deployments can share one server (default `invigil`). */
  prefix?: string;
  /** A running job whose lock is not renewed for this long is taken over (default 60 s). */
  leaseMs?: number;
  /** How often workers look for jobs whose worker died (default: the lease). */
  stalledCheckMs?: number;
  /** Told of a worker's own error (a lost connection, not a handler's error); must not throw. */
  onError?: (error: unknown) => void;
}

/** What a BullMQ job's data holds: the payload and the nonce of the add that made it. */
interface Envelope {
  payload: unknown;
  nonce: string;
  /** The first retry's delay (see jobRetryDelayMs). */
  backoffMs: number;
}

/** BullMQ's name for our retry schedule (worker setting `backoffStrategy`). */
const BACKOFF = 'invigil';

/** BullMQ job ids of keyed jobs: ids may not contain ':' nor be integers. */
const keyedId = (key: string) => `k-${Buffer.from(key).toString('base64url')}`;
/** Our ids name the type too, so `retryDead` finds the queue. */
const ourId = (type: JobType, bullId: string) => `${type}/${bullId}`;
const keyOf = (bullId: string) =>
  bullId.startsWith('k-') ? Buffer.from(bullId.slice(2), 'base64url').toString() : null;

/**
 * The job queue on Redis with BullMQ (`QUEUE=bullmq`, `REDIS_URL`): one BullMQ queue per job
 * type. Retries use BullMQ's exponential backoff; dead jobs are its failed set (kept, never
 * removed automatically); completed jobs are removed, so a key can be used again. A worker
 * that dies loses its lock and BullMQ's stalled check puts the job back, up to the job's
 * attempts, after which it is failed (dead) like any other.
 */
export class BullJobQueue implements JobQueue {
  private readonly queues = new Map<JobType, Queue>();
  private readonly workers = new Set<Worker>();
  private readonly connections = new Set<Redis>();
  private readonly prefix: string;
  private readonly leaseMs: number;

  private constructor(
    private readonly url: string,
    private readonly client: Redis,
    private readonly options: BullJobQueueOptions,
  ) {
    this.prefix = options.prefix ?? 'invigil';
    this.leaseMs = options.leaseMs ?? 60_000;
  }

  /** Connect to Redis at `url`; rejects with a clear error when it does not answer. */
  static async connect(url: string, options: BullJobQueueOptions = {}): Promise<BullJobQueue> {
    const client = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
    client.on('error', (e: unknown) => options.onError?.(e));
    try {
      await client.connect();
      await client.ping();
    } catch (err) {
      client.disconnect();
      throw new Error(`Redis at ${redact(url)} does not answer: ${errorText(err)}`);
    }
    return new BullJobQueue(url, client, options);
  }

  private queue(type: JobType): Queue {
    let q = this.queues.get(type);
    if (!q) {
      q = new Queue(type, { connection: this.client, prefix: this.prefix });
      q.on('error', (e: unknown) => this.options.onError?.(e));
      this.queues.set(type, q);
    }
    return q;
  }

  async add<T extends JobType>(
    type: T,
    payload: JobCatalogue[T],
    opts: AddOptions = {},
  ): Promise<AddResult> {
    validateAddOptions(opts);
    const nonce = randomUUID();
    const q = this.queue(type);
    const backoffMs = opts.backoffMs ?? JOB_DEFAULTS.backoffMs;
    const job = await q.add(type, { payload, nonce, backoffMs } satisfies Envelope, {
      ...(opts.key !== undefined && { jobId: keyedId(opts.key) }),
      delay: opts.delayMs ?? 0,
      // BullMQ runs jobs without a priority before prioritised ones: give every job one.
      priority: (opts.priority ?? 0) + 1,
      attempts: opts.maxAttempts ?? JOB_DEFAULTS.maxAttempts,
      backoff: { type: BACKOFF },
      removeOnComplete: true,
      removeOnFail: false,
    });
    const id = job.id ?? '';
    if (opts.key === undefined) return { id: ourId(type, id), added: true };
    // A duplicate id returns without adding: the stored job's nonce tells whose it is. A job
    // already gone ran and completed, so it was this one (an older one would not be gone yet).
    const stored = await BullJob.fromId<Envelope>(q, id);
    return { id: ourId(type, id), added: stored === undefined || stored.data.nonce === nonce };
  }

  work<T extends JobType>(
    type: T,
    handler: (job: Job<T>) => Promise<void>,
    opts: WorkOptions = {},
  ): JobWorker {
    const connection = new Redis(this.url, { maxRetriesPerRequest: null });
    connection.on('error', (e: unknown) => this.options.onError?.(e));
    this.connections.add(connection);
    const worker = new Worker<Envelope>(
      type,
      async (bull) => {
        try {
          await handler({
            id: ourId(type, bull.id ?? ''),
            type,
            payload: bull.data.payload as JobCatalogue[T],
            attempt: bull.attemptsMade + 1,
            maxAttempts: bull.opts.attempts ?? 1,
          });
        } catch (err) {
          if (err instanceof PermanentJobError) throw new UnrecoverableError(errorText(err));
          throw err;
        }
      },
      {
        connection,
        prefix: this.prefix,
        concurrency: Math.max(1, opts.concurrency ?? 1),
        lockDuration: this.leaseMs,
        stalledInterval: this.options.stalledCheckMs ?? this.leaseMs,
        // A job whose worker died goes back to wait as often as it may be attempted.
        maxStalledCount: JOB_DEFAULTS.maxAttempts,
        removeOnComplete: { count: 0 },
        settings: {
          backoffStrategy: (attemptsMade, _type, err, job) =>
            jobRetryDelayMs(
              attemptsMade,
              (job?.data as Envelope | undefined)?.backoffMs ?? JOB_DEFAULTS.backoffMs,
              err,
            ),
        },
      },
    );
    worker.on('error', (e: unknown) => this.options.onError?.(e));
    this.workers.add(worker);
    return {
      stop: async () => {
        this.workers.delete(worker);
        await worker.close();
        this.connections.delete(connection);
        await connection.quit().catch(() => connection.disconnect());
      },
    };
  }

  async counts(type: JobType): Promise<JobCounts> {
    const q = this.queue(type);
    const c = await q.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed');
    const waiting = (c.wait ?? 0) + (c.prioritized ?? 0);
    let oldestWaitingMs = 0;
    if (waiting > 0) {
      // Ordered by priority, not age: the oldest is looked for among the first thousand.
      const due = await q.getJobs(['prioritized', 'wait'], 0, 999);
      const now = Date.now();
      for (const j of due) {
        const dueAt = j.timestamp + (j.opts.delay ?? 0);
        oldestWaitingMs = Math.max(oldestWaitingMs, now - dueAt);
      }
    }
    return {
      waiting,
      delayed: c.delayed ?? 0,
      running: c.active ?? 0,
      dead: c.failed ?? 0,
      oldestWaitingMs,
    };
  }

  async deadLetters(type?: JobType, limit = 100): Promise<DeadJob[]> {
    const types = type === undefined ? JOB_TYPES : [type];
    const all: DeadJob[] = [];
    for (const t of types) {
      const failed = await this.queue(t).getFailed(0, limit - 1);
      for (const j of failed) {
        if (!j?.id) continue;
        all.push({
          id: ourId(t, j.id),
          type: t,
          key: keyOf(j.id),
          payload: (j.data as Envelope).payload,
          attempts: Math.max(j.attemptsMade, j.attemptsStarted ?? 0),
          error: j.failedReason ?? '',
          addedMs: j.timestamp,
          diedMs: j.finishedOn ?? j.timestamp,
        });
      }
    }
    return all.sort((a, b) => b.diedMs - a.diedMs).slice(0, limit);
  }

  async retryDead(id: string): Promise<boolean> {
    const slash = id.indexOf('/');
    const type = id.slice(0, slash) as JobType;
    if (slash < 0 || !(JOB_TYPES as readonly string[]).includes(type)) return false;
    const job = await BullJob.fromId(this.queue(type), id.slice(slash + 1));
    if (!job || !(await job.isFailed())) return false;
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  }

  /**
   * Stop at once as a crash would: connections dropped, running jobs left to lapse and be
   * taken over by another worker's stalled check. For tests of exactly that.
   */
  abandon(): void {
    for (const c of this.connections) c.disconnect();
    for (const w of this.workers) void w.close(true).catch(() => {});
    this.workers.clear();
    this.connections.clear();
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers].map((w) => w.close()));
    this.workers.clear();
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
    for (const c of [...this.connections, this.client]) {
      await c.quit().catch(() => c.disconnect());
    }
    this.connections.clear();
  }
}

/** A Redis URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured URL';
  }
}
