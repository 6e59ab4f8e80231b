import { and, count, gte, inArray, min } from 'drizzle-orm';
import { AnalysisJobReason, type AnalysisStatus } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { analysisJobs } from '../../db/schema.js';
import type { Clock } from '../../ports/clock.port.js';

/** The window `GET /api/system/analysis` counts finished jobs over. */
export const STATUS_WINDOW_SECONDS = 60;

/** What the answering process knows of its own analysis (its configuration). */
export interface AnalysisSetup {
  enabled: boolean;
  workers: number;
  nice: number;
}

/**
 * Throughput from the jobs finished in a window: per second, and per worker (null without
 * workers: a process with analysis off still reports what others analysed, but no rate
 * per worker of its own). Rounded to 1/1000: these are read by people.
 */
export function analysisRates(
  analysed: number,
  windowSeconds: number,
  workers: number,
): { analysedPerSecond: number; analysedPerSecondPerWorker: number | null } {
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const perSecond = windowSeconds > 0 ? analysed / windowSeconds : 0;
  return {
    analysedPerSecond: round(perSecond),
    analysedPerSecondPerWorker: workers > 0 ? round(perSecond / workers) : null,
  };
}

/**
 * How analysis keeps up, from the `analysis_jobs` table (so every process's work counts):
 * jobs finished in the last minute by how they ended (a job's `updated_at` is when it
 * ended), and what waits now. Two aggregate queries; for admins, not on any hot path.
 */
export async function readAnalysisStatus(
  db: Db,
  clock: Clock,
  setup: AnalysisSetup,
): Promise<AnalysisStatus> {
  const now = clock.now();
  const since = new Date(now.getTime() - STATUS_WINDOW_SECONDS * 1000);
  const j = analysisJobs;
  const ended = await db
    .select({ status: j.status, n: count() })
    .from(j)
    .where(and(inArray(j.status, ['done', 'failed', 'shed']), gte(j.updatedAt, since)))
    .groupBy(j.status);
  const waiting = await db
    .select({ status: j.status, reason: j.reason, n: count(), oldest: min(j.createdAt) })
    .from(j)
    .where(inArray(j.status, ['queued', 'running']))
    .groupBy(j.status, j.reason);
  const endedOf = (status: string) => ended.find((r) => r.status === status)?.n ?? 0;
  const byReason = Object.fromEntries(AnalysisJobReason.options.map((r) => [r, 0])) as Record<
    AnalysisJobReason,
    number
  >;
  let oldestMs: number | null = null;
  let running = 0;
  for (const row of waiting) {
    if (row.status === 'running') {
      running += row.n;
      continue;
    }
    const reason = AnalysisJobReason.safeParse(row.reason);
    if (reason.success) byReason[reason.data] += row.n;
    const created = row.oldest === null ? null : new Date(row.oldest).getTime();
    if (created !== null && (oldestMs === null || created < oldestMs)) oldestMs = created;
  }
  const workers = setup.enabled ? setup.workers : 0;
  const analysed = endedOf('done');
  return {
    enabled: setup.enabled,
    workers,
    nice: setup.nice,
    windowSeconds: STATUS_WINDOW_SECONDS,
    analysed,
    failed: endedOf('failed'),
    shed: endedOf('shed'),
    ...analysisRates(analysed, STATUS_WINDOW_SECONDS, workers),
    queued: { total: Object.values(byReason).reduce((a, b) => a + b, 0), byReason },
    running,
    oldestQueuedSeconds:
      oldestMs === null ? null : Math.max(0, Math.round((now.getTime() - oldestMs) / 1000)),
  };
}
