/**
 * The catalogue of background jobs: each type and what its payload carries. Payloads are
 * small JSON that point at durable rows (a snapshot, a delivery), never media; a handler
 * reads what it needs and writes its result idempotently, keyed by what the payload names,
 * because a job may run again after a worker died mid-way.
 */
export interface JobCatalogue {
  /** Server analysis of one stored snapshot (a row of `analysis_jobs`). */
  'analysis.snapshot': { analysisJobId: number };
  /** Identity enrolment from a check-in photo. */
  'identity.enrolment': { sessionId: string; snapshotId: string };
  /** Re-check a session's recording against its manifest. */
  'recording.check': { sessionId: string };
  /** Deliver one notification (a row of `notification_deliveries`). */
  'notification.delivery': { deliveryId: number };
  /** Write one data export's zip (a row of `data_exports`). */
  'privacy.export': { exportId: string };
  /** Send one attempt's score to its learning platform's gradebook (a row of `lti_grade_submissions`). */
  'lti.grade': { sessionId: string };
}

/** A job type of the catalogue. */
export type JobType = keyof JobCatalogue;

/** Every job type, for listings and metrics. */
export const JOB_TYPES = [
  'analysis.snapshot',
  'identity.enrolment',
  'recording.check',
  'notification.delivery',
  'privacy.export',
  'lti.grade',
] as const satisfies readonly JobType[];

/** How one job is added. */
export interface AddOptions {
  /**
   * De-duplication: while a job of this type and key is waiting, running or dead, adding
   * another is a no-op (`added: false`); once it completed, the key may be used again.
   */
  key?: string;
  /** Run no earlier than this many milliseconds from now. */
  delayMs?: number;
  /** Lower runs first among waiting jobs of the same type (default 0, at most 1,000,000). */
  priority?: number;
  /** Attempts before the job is dead-lettered (default 5). */
  maxAttempts?: number;
  /** Delay after the first failed attempt, doubled after each further one (default 5 s). */
  backoffMs?: number;
}

/** A job as its handler sees it. */
export interface Job<T extends JobType = JobType> {
  id: string;
  type: T;
  payload: JobCatalogue[T];
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
  maxAttempts: number;
}

/** A job that exhausted its attempts or failed permanently, kept for people to see. */
export interface DeadJob {
  id: string;
  type: JobType;
  key: string | null;
  payload: unknown;
  attempts: number;
  error: string;
  /** When it was first added and when it died (ms since the epoch). */
  addedMs: number;
  diedMs: number;
}

/** How many jobs of one type are in each state, and how long the oldest due one waited. */
export interface JobCounts {
  /** Due now and not running. */
  waiting: number;
  /** Added with a delay or backing off after a failure, not yet due. */
  delayed: number;
  running: number;
  dead: number;
  /** Milliseconds the oldest due job has waited since it became due; 0 when none waits. */
  oldestWaitingMs: number;
}

/** What `add` did. */
export interface AddResult {
  id: string;
  /** False when a job with the same type and key was already there. */
  added: boolean;
}

/** How one worker works one job type. */
export interface WorkOptions {
  /** Jobs run at once by this worker (default 1). */
  concurrency?: number;
}

/** A running worker; `stop` lets the running jobs finish and takes no new ones. */
export interface JobWorker {
  stop(): Promise<void>;
}

/**
 * Thrown by a handler to choose when this failed attempt is retried (a delivery's own
 * schedule, a receiver's Retry-After); still counts as an attempt, and the last one dies.
 */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
  }
}

/** Thrown by a handler when retrying cannot help: the job goes to the dead letters at once. */
export class PermanentJobError extends Error {
  override name = 'PermanentJobError';
}

/**
 * Durable background jobs shared by every process of a deployment: any process may add, any
 * worker process may run them. A job runs at least once: a worker that dies mid-job loses
 * its lease and the job runs again elsewhere (so handlers write idempotently). A handler that
 * throws is retried with exponential backoff; after its attempts it is dead-lettered, listed
 * by `deadLetters` and put back by `retryDead`.
 */
export interface JobQueue {
  add<T extends JobType>(type: T, payload: JobCatalogue[T], opts?: AddOptions): Promise<AddResult>;
  /** Run jobs of `type` in this process until `stop`. */
  work<T extends JobType>(
    type: T,
    handler: (job: Job<T>) => Promise<void>,
    opts?: WorkOptions,
  ): JobWorker;
  counts(type: JobType): Promise<JobCounts>;
  /** The dead jobs, newest first. */
  deadLetters(type?: JobType, limit?: number): Promise<DeadJob[]>;
  /** Put a dead job back to run now with fresh attempts; false when no such dead job. */
  retryDead(id: string): Promise<boolean>;
  /** Stop every worker of this handle and release its connections. */
  close(): Promise<void>;
}

/** Defaults shared by the adapters. */
export const JOB_DEFAULTS = { maxAttempts: 5, backoffMs: 5000, maxPriority: 1_000_000 } as const;

/**
 * Retry delay after the n-th failed attempt (1-based): backoff, 2×, 4×, … capped at 1 hour,
 * unless the handler chose it (RetryLaterError).
 */
export const jobRetryDelayMs = (attempt: number, backoffMs: number, error?: unknown): number =>
  error instanceof RetryLaterError
    ? Math.max(0, error.delayMs)
    : Math.min(3_600_000, backoffMs * 2 ** Math.max(0, attempt - 1));
