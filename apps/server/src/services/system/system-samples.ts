import { asc, gte, lt } from 'drizzle-orm';
import type { Db } from '../../db/database.js';
import { systemSamples } from '../../db/schema.js';
import type { SampleRow } from './system-overview.js';

/** Samples are kept this long: the longest range (24 h) plus an hour. */
export const SAMPLE_RETENTION_MS = 25 * 60 * 60_000;

/** Store one process's sample. */
export async function insertSample(db: Db, sample: SampleRow): Promise<void> {
  await db.insert(systemSamples).values(sample);
}

/** Delete samples older than the retention (index on `at`); safe from any number of processes. */
export async function pruneSamples(db: Db, now: Date): Promise<void> {
  await db
    .delete(systemSamples)
    .where(lt(systemSamples.at, new Date(now.getTime() - SAMPLE_RETENTION_MS)));
}

/** Every sample since `since`, oldest first (every column the overview reads). */
export async function readSamplesSince(db: Db, since: Date): Promise<SampleRow[]> {
  const s = systemSamples;
  return db
    .select({
      at: s.at,
      process: s.process,
      intervalMs: s.intervalMs,
      ingestBytes: s.ingestBytes,
      ingestItems: s.ingestItems,
      httpResponses: s.httpResponses,
      alertsSent: s.alertsSent,
      alertLatencyBuckets: s.alertLatencyBuckets,
      alertLatencySumMs: s.alertLatencySumMs,
      sessionsInProgress: s.sessionsInProgress,
      queues: s.queues,
      blobFreeBytes: s.blobFreeBytes,
      blobSizeBytes: s.blobSizeBytes,
    })
    .from(s)
    .where(gte(s.at, since))
    .orderBy(asc(s.at));
}
