import type { QueueSeries, SystemOverview } from '@invigil/contracts';
import type { SampledQueue } from '../../db/schema.js';

/** One stored sample, as the overview reads it (a row of `system_samples`). */
export interface SampleRow {
  at: Date;
  process: string;
  intervalMs: number;
  ingestBytes: number;
  ingestItems: number;
  httpResponses: Record<string, number>;
  alertsSent: number;
  alertLatencyBuckets: Record<string, number>;
  alertLatencySumMs: number;
  sessionsInProgress: number | null;
  queues: SampledQueue[] | null;
  blobFreeBytes: number | null;
  blobSizeBytes: number | null;
}

/** How often each process records a sample, and the narrowest bucket. */
export const SAMPLE_SECONDS = 15;
/** About this many buckets per range: enough for a chart, few enough to send every 15 s. */
const TARGET_POINTS = 240;

/** Bucket width for a range: 15 s up to an hour, then a multiple of 15 s (6 h: 90 s, 24 h: 6 min). */
export function bucketSecondsFor(minutes: number): number {
  const raw = (minutes * 60) / TARGET_POINTS;
  return Math.max(SAMPLE_SECONDS, Math.ceil(raw / SAMPLE_SECONDS) * SAMPLE_SECONDS);
}

/** The buckets of a range ending with the one holding `nowMs`: their start times in ms. */
export function bucketStarts(nowMs: number, minutes: number): number[] {
  const width = bucketSecondsFor(minutes) * 1000;
  const count = Math.round((minutes * 60_000) / width);
  const last = Math.floor(nowMs / width) * width;
  return Array.from({ length: count }, (_, i) => last - (count - 1 - i) * width);
}

/**
 * The `q`-quantile of a cumulative histogram (`le` → observations at or below), interpolated
 * within its bucket as Prometheus's histogram_quantile does; past the last finite bound it is
 * that bound. Null without observations.
 */
export function histogramQuantile(q: number, buckets: Record<string, number>): number | null {
  const bounds = Object.entries(buckets)
    .map(([le, count]) => ({ le: le === '+Inf' ? Infinity : Number(le), count }))
    .filter((b) => !Number.isNaN(b.le))
    .sort((a, b) => a.le - b.le);
  const total = bounds.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const b of bounds) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lower;
      const inBucket = b.count - below;
      return inBucket <= 0 ? b.le : lower + ((b.le - lower) * (rank - below)) / inBucket;
    }
    lower = b.le;
    below = b.count;
  }
  return lower;
}

const addInto = (into: Record<string, number>, from: Record<string, number>) => {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
};

/** What one process's samples in one bucket add up to. */
interface ProcessBucket {
  intervalMs: number;
  ingestBytes: number;
  ingestItems: number;
  alertsSent: number;
  http: Record<string, number>;
  /** Its newest sample carrying deployment-wide numbers. */
  shared?: SampleRow;
}

const sumOf = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

/** Σ over processes of (what it counted / the time its samples covered): a rate per second. */
function rate(
  processes: readonly ProcessBucket[],
  count: (p: ProcessBucket) => number,
): number | null {
  if (processes.length === 0) return null;
  return processes.reduce((sum, p) => sum + count(p) / Math.max(1, p.intervalMs / 1000), 0);
}

/** The max (or min) of a deployment-wide number over the processes that reported it. */
function shared(
  processes: readonly ProcessBucket[],
  pick: (s: SampleRow) => number | null | undefined,
  combine: (a: number, b: number) => number = Math.max,
): number | null {
  let out: number | null = null;
  for (const p of processes) {
    const v = p.shared ? pick(p.shared) : null;
    if (v === null || v === undefined) continue;
    out = out === null ? v : combine(out, v);
  }
  return out;
}

const queueKey = (q: { source: string; type: string }) => `${q.source}\u0000${q.type}`;

/**
 * The System page's series from stored samples: per bucket, each process's counters are
 * divided by the time its samples covered and the processes added up (so processes sampling
 * at different moments, or one that skipped a bucket's edge, still give rates per second);
 * deployment-wide numbers take the newest sample per process in the bucket, the highest over
 * processes (several machines' job processes read the same database), and the lowest free
 * disk. Alert latency quantiles come from the merged histogram of every sample in the bucket.
 */
export function buildOverview(
  rows: readonly SampleRow[],
  opts: { nowMs: number; minutes: number },
): SystemOverview {
  const bucketSeconds = bucketSecondsFor(opts.minutes);
  const width = bucketSeconds * 1000;
  const starts = bucketStarts(opts.nowMs, opts.minutes);
  const first = starts[0] ?? 0;
  const buckets = starts.map(() => new Map<string, ProcessBucket>());
  const latency = starts.map(() => ({}) as Record<string, number>);
  const processes = new Set<string>();
  const queueKeys = new Map<string, { source: 'queue' | 'table'; type: string }>();
  let latest: Date | null = null;

  for (const row of rows) {
    const i = Math.floor((row.at.getTime() - first) / width);
    const bucket = buckets[i];
    if (!bucket) continue;
    processes.add(row.process);
    if (!latest || row.at > latest) latest = row.at;
    let p = bucket.get(row.process);
    if (!p) {
      p = { intervalMs: 0, ingestBytes: 0, ingestItems: 0, alertsSent: 0, http: {} };
      bucket.set(row.process, p);
    }
    p.intervalMs += row.intervalMs;
    p.ingestBytes += row.ingestBytes;
    p.ingestItems += row.ingestItems;
    p.alertsSent += row.alertsSent;
    addInto(p.http, row.httpResponses);
    addInto(latency[i]!, row.alertLatencyBuckets);
    if (row.sessionsInProgress !== null && (!p.shared || row.at >= p.shared.at)) p.shared = row;
    for (const q of row.queues ?? []) queueKeys.set(queueKey(q), q);
  }

  const perBucket = buckets.map((b) => [...b.values()]);
  const series = <T>(f: (ps: ProcessBucket[], i: number) => T) => perBucket.map(f);
  const queueOf = (s: SampleRow, key: string) => s.queues?.find((q) => queueKey(q) === key);
  const queues: QueueSeries[] = [...queueKeys.entries()]
    .sort(([, a], [, b]) => a.source.localeCompare(b.source) || a.type.localeCompare(b.type))
    .map(([key, q]) => ({
      source: q.source,
      type: q.type,
      depth: series((ps) =>
        shared(ps, (s) => {
          const found = queueOf(s, key);
          return found ? found.waiting + found.delayed : null;
        }),
      ),
      oldestWaitingSeconds: series((ps) =>
        shared(ps, (s) => {
          const found = queueOf(s, key);
          return found ? found.oldestWaitingMs / 1000 : null;
        }),
      ),
    }));

  return {
    minutes: opts.minutes,
    bucketSeconds,
    times: starts.map((ms) => ms / 1000),
    processes: processes.size,
    latestSampleAt: latest ? latest.toISOString() : null,
    series: {
      activeSessions: series((ps) => shared(ps, (s) => s.sessionsInProgress)),
      ingestBytesPerSecond: series((ps) => rate(ps, (p) => p.ingestBytes)),
      ingestItemsPerSecond: series((ps) => rate(ps, (p) => p.ingestItems)),
      alertsPerSecond: series((ps) => rate(ps, (p) => p.alertsSent)),
      alertLatencyP50Seconds: latency.map((h) => histogramQuantile(0.5, h)),
      alertLatencyP95Seconds: latency.map((h) => histogramQuantile(0.95, h)),
      httpRequestsPerSecond: series((ps) => rate(ps, (p) => sumOf(p.http))),
      http4xxPerSecond: series((ps) => rate(ps, (p) => p.http['4xx'] ?? 0)),
      http5xxPerSecond: series((ps) => rate(ps, (p) => p.http['5xx'] ?? 0)),
      blobFreeBytes: series((ps) => shared(ps, (s) => s.blobFreeBytes, Math.min)),
      blobSizeBytes: series((ps) => shared(ps, (s) => s.blobSizeBytes, Math.min)),
    },
    queues,
  };
}
