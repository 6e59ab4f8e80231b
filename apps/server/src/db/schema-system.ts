import { bigint, bigserial, index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { tz } from './schema-columns.js';

/**
 * How the server was doing, for the admin System page: every server process writes one row
 * per SYSTEM_SAMPLE interval (`jobs/system-sampler.ts`). The counters are what this process
 * counted since its previous row (so rows of several processes add up); the deployment-wide
 * columns come only from the process running the background jobs and are null elsewhere.
 * Rows older than a day are deleted.
 */
export const systemSamples = pgTable(
  'system_samples',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: tz('at').notNull(),
    /** `host:pid` of the process that wrote it. */
    process: text('process').notNull(),
    /** Milliseconds since this process's previous row (or its start): what the deltas cover. */
    intervalMs: integer('interval_ms').notNull(),
    ingestBytes: bigint('ingest_bytes', { mode: 'number' }).notNull(),
    ingestItems: integer('ingest_items').notNull(),
    /** HTTP responses by status class: `{"2xx": 120, "4xx": 3, "5xx": 0, …}`. */
    httpResponses: jsonb('http_responses').$type<Record<string, number>>().notNull(),
    /** flag.created messages that reached a proctor socket of this process. */
    alertsSent: integer('alerts_sent').notNull(),
    /** Alert latency histogram: observations per upper bound (`le`, cumulative), and their sum. */
    alertLatencyBuckets: jsonb('alert_latency_buckets').$type<Record<string, number>>().notNull(),
    alertLatencySumMs: bigint('alert_latency_sum_ms', { mode: 'number' }).notNull(),
    /** Attempts in progress (deployment-wide; null from other processes). */
    sessionsInProgress: integer('sessions_in_progress'),
    /** Job counts per queue (deployment-wide; null from other processes). */
    queues: jsonb('queues').$type<SampledQueue[]>(),
    /** Free and total bytes of the local blob directory's file system (null: not local, or not this process). */
    blobFreeBytes: bigint('blob_free_bytes', { mode: 'number' }),
    blobSizeBytes: bigint('blob_size_bytes', { mode: 'number' }),
  },
  (t) => [index('system_samples_at_idx').on(t.at)],
);

/** One queue's counts in a sample: a job type of the job queue. */
export interface SampledQueue {
  /**
   * `queue`: the JobQueue port; `table`: the analysis_jobs table, in samples taken before
   * analyses ran on the job queue (still shown while they are kept).
   */
  source: 'queue' | 'table';
  type: string;
  waiting: number;
  delayed: number;
  running: number;
  dead: number;
  oldestWaitingMs: number;
}
