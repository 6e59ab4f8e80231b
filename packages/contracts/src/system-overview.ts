import { z } from 'zod';
import { Timestamp } from './common.js';

/** The ranges the System page offers, in minutes: 15 min, 1 h, 6 h, 24 h. */
export const OVERVIEW_RANGES = [15, 60, 360, 1440] as const;

/** `GET /api/system/overview` query: `minutes` is one of OVERVIEW_RANGES (default 60). */
export const SystemOverviewQuery = z.strictObject({
  minutes: z
    .enum(['15', '60', '360', '1440'], { message: `Must be one of ${OVERVIEW_RANGES.join(', ')}` })
    .default('60')
    .transform(Number)
    .describe('The range to show, in minutes: 15, 60, 360 or 1440 (default 60)'),
});
export type SystemOverviewQuery = z.infer<typeof SystemOverviewQuery>;

/** One value per bucket of `times`; null where no process recorded a sample. */
const Series = z.array(z.number().nullable());

/** One queue's depth and oldest wait over the range. */
export const QueueSeries = z.object({
  /** `queue`: the background job queue; `table`: the analysis_jobs table. */
  source: z.enum(['queue', 'table']),
  /** Job type (`analysis.snapshot`, `notification.delivery`, …). */
  type: z.string(),
  /** Jobs waiting to run: due, or backing off after a failure. */
  depth: Series,
  /** Seconds the oldest due job had waited. */
  oldestWaitingSeconds: Series,
});
export type QueueSeries = z.infer<typeof QueueSeries>;

/**
 * `GET /api/system/overview` (admins): how the server has been doing, from the samples every
 * server process records every 15 s. Counters are summed across processes and given per
 * second; deployment-wide numbers (attempts, queues, disk) come from the process running the
 * background jobs. Each series has one value per bucket of `times`.
 */
export const SystemOverview = z.object({
  minutes: z.number().int(),
  /** Width of a bucket: 15 s up to an hour, wider for longer ranges (about 240 points). */
  bucketSeconds: z.number().int().min(1),
  /** Start of each bucket, Unix seconds, oldest first. */
  times: z.array(z.number()),
  /** Server processes that recorded a sample in the range. */
  processes: z.number().int().min(0),
  /** The newest sample in the range (null: none yet). */
  latestSampleAt: Timestamp.nullable(),
  series: z.object({
    /** Attempts in progress. */
    activeSessions: Series,
    ingestBytesPerSecond: Series,
    ingestItemsPerSecond: Series,
    /** flag.created messages that reached a proctor's socket, per second. */
    alertsPerSecond: Series,
    /** Flag → proctor socket, in seconds: median and 95th percentile (null: no alert). */
    alertLatencyP50Seconds: Series,
    alertLatencyP95Seconds: Series,
    httpRequestsPerSecond: Series,
    http4xxPerSecond: Series,
    http5xxPerSecond: Series,
    /** Free bytes of the local blob directory's file system (null: not local disk). */
    blobFreeBytes: Series,
    blobSizeBytes: Series,
  }),
  queues: z.array(QueueSeries),
});
export type SystemOverview = z.infer<typeof SystemOverview>;

/** Counts of one job type of the background job queue. */
export const JobTypeCounts = z.object({
  type: z.string(),
  /** Due now and not running. */
  waiting: z.number().int().min(0),
  /** Not yet due: added with a delay, or backing off after a failure. */
  delayed: z.number().int().min(0),
  running: z.number().int().min(0),
  /** Given up, listed in `deadLetters` until retried. */
  dead: z.number().int().min(0),
  /** Seconds the oldest due job has waited (0: none waits). */
  oldestWaitingSeconds: z.number().min(0),
});
export type JobTypeCounts = z.infer<typeof JobTypeCounts>;

/** A job that exhausted its attempts or failed permanently. */
export const DeadLetter = z.object({
  /** The queue's id of the job (pass it to the retry route, URL-encoded). */
  id: z.string(),
  type: z.string(),
  /** De-duplication key, when it was added with one. */
  key: z.string().nullable(),
  attempts: z.number().int().min(0),
  /** The last attempt's error. */
  error: z.string(),
  addedAt: Timestamp,
  diedAt: Timestamp,
  /** The payload in one short line (`sessionId: …, snapshotId: …`). */
  payloadSummary: z.string(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;

/** `GET /api/system/jobs` (admins): the job queue per type, and its dead letters, newest first. */
export const SystemJobs = z.object({
  types: z.array(JobTypeCounts),
  deadLetters: z.array(DeadLetter),
  /** At most this many dead letters are listed. */
  deadLettersLimit: z.number().int().min(1),
});
export type SystemJobs = z.infer<typeof SystemJobs>;

/** Path parameter of `POST /api/system/jobs/:id/retry`: a job id as the queue gave it. */
export const JobIdParams = z.strictObject({ id: z.string().min(1).max(300) });
export type JobIdParams = z.infer<typeof JobIdParams>;
