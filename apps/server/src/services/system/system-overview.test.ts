import { describe, expect, it } from 'vitest';
import {
  bucketSecondsFor,
  bucketStarts,
  buildOverview,
  histogramQuantile,
  type SampleRow,
} from './system-overview.js';

/** 12:00:00 UTC, a multiple of every bucket width. */
const NOON = Date.UTC(2030, 0, 1, 12, 0, 0);

function buildSample(overrides: Partial<SampleRow> = {}): SampleRow {
  return {
    at: new Date(NOON),
    process: 'host:1',
    intervalMs: 15_000,
    ingestBytes: 0,
    ingestItems: 0,
    httpResponses: {},
    alertsSent: 0,
    alertLatencyBuckets: {},
    alertLatencySumMs: 0,
    sessionsInProgress: null,
    queues: null,
    blobFreeBytes: null,
    blobSizeBytes: null,
    ...overrides,
  };
}

/** The value of `series` in the bucket holding `atMs` (an hour's range ending at NOON + 14 s). */
const at = (overview: ReturnType<typeof buildOverview>, series: (number | null)[], atMs: number) =>
  series[overview.times.indexOf(Math.floor(atMs / 15_000) * 15)];

describe('buckets of the System page', () => {
  it('are 15 s up to an hour and about 240 points beyond, always whole 15 s steps', () => {
    expect(bucketSecondsFor(15)).toBe(15);
    expect(bucketSecondsFor(60)).toBe(15);
    expect(bucketSecondsFor(360)).toBe(90);
    expect(bucketSecondsFor(1440)).toBe(360);
    expect(bucketStarts(NOON + 14_000, 15)).toHaveLength(60);
    expect(bucketStarts(NOON + 14_000, 1440)).toHaveLength(240);
  });

  it('end with the bucket holding now and start a range earlier', () => {
    const starts = bucketStarts(NOON + 14_000, 60);
    expect(starts.at(-1)).toBe(NOON);
    expect(starts[0]).toBe(NOON - 60 * 60_000 + 15_000);
  });
});

describe('buildOverview', () => {
  const nowMs = NOON + 14_000;

  it('adds the rates of several processes in one bucket', () => {
    const overview = buildOverview(
      [
        buildSample({ process: 'a:1', at: new Date(NOON + 2000), ingestBytes: 30_000 }),
        buildSample({ process: 'b:2', at: new Date(NOON + 9000), ingestBytes: 15_000 }),
      ],
      { nowMs, minutes: 60 },
    );
    // 30 000 B over 15 s plus 15 000 B over 15 s.
    expect(at(overview, overview.series.ingestBytesPerSecond, NOON)).toBe(3000);
    expect(overview.processes).toBe(2);
    expect(overview.latestSampleAt).toBe(new Date(NOON + 9000).toISOString());
  });

  it('divides by the time a process’s samples covered, however many fell in the bucket', () => {
    const overview = buildOverview(
      [
        buildSample({ at: new Date(NOON + 1000), intervalMs: 5000, ingestItems: 10 }),
        buildSample({ at: new Date(NOON + 6000), intervalMs: 5000, ingestItems: 20 }),
        buildSample({ at: new Date(NOON + 11_000), intervalMs: 5000, ingestItems: 30 }),
      ],
      { nowMs, minutes: 60 },
    );
    expect(at(overview, overview.series.ingestItemsPerSecond, NOON)).toBe(4);
  });

  it('leaves buckets without samples empty (null), not zero', () => {
    const overview = buildOverview([buildSample({ at: new Date(NOON + 1000) })], {
      nowMs,
      minutes: 60,
    });
    expect(at(overview, overview.series.ingestBytesPerSecond, NOON)).toBe(0);
    expect(at(overview, overview.series.ingestBytesPerSecond, NOON - 15_000)).toBeNull();
    expect(overview.series.ingestBytesPerSecond.filter((v) => v !== null)).toHaveLength(1);
  });

  it('ignores samples outside the range', () => {
    const overview = buildOverview(
      [
        buildSample({ at: new Date(NOON - 2 * 60 * 60_000), ingestBytes: 1 }),
        buildSample({ at: new Date(NOON + 60_000), ingestBytes: 1 }),
      ],
      { nowMs, minutes: 60 },
    );
    expect(overview.processes).toBe(0);
    expect(overview.latestSampleAt).toBeNull();
    expect(overview.series.ingestBytesPerSecond.every((v) => v === null)).toBe(true);
  });

  it('gives HTTP requests, 4xx and 5xx per second from the status classes', () => {
    const overview = buildOverview(
      [
        buildSample({ process: 'a:1', httpResponses: { '2xx': 120, '4xx': 15, '5xx': 3 } }),
        buildSample({ process: 'b:2', httpResponses: { '2xx': 30, '5xx': 3 } }),
      ],
      { nowMs, minutes: 60 },
    );
    expect(at(overview, overview.series.httpRequestsPerSecond, NOON)).toBeCloseTo(11.4);
    expect(at(overview, overview.series.http4xxPerSecond, NOON)).toBe(1);
    expect(at(overview, overview.series.http5xxPerSecond, NOON)).toBeCloseTo(0.4);
  });

  it('takes deployment-wide numbers from the newest sample that has them, never summed', () => {
    const queue = (waiting: number) => ({
      source: 'table' as const,
      type: 'analysis.snapshot',
      waiting,
      delayed: 1,
      running: 0,
      dead: 0,
      oldestWaitingMs: 4000,
    });
    const overview = buildOverview(
      [
        buildSample({
          process: 'jobs:1',
          at: new Date(NOON + 1000),
          sessionsInProgress: 5,
          queues: [queue(2)],
          blobFreeBytes: 900,
        }),
        buildSample({
          process: 'jobs:1',
          at: new Date(NOON + 8000),
          sessionsInProgress: 7,
          queues: [queue(3)],
          blobFreeBytes: 800,
        }),
        // Another machine's jobs process reads the same database; its disk is fuller.
        buildSample({
          process: 'jobs:2',
          at: new Date(NOON + 5000),
          sessionsInProgress: 7,
          queues: [queue(3)],
          blobFreeBytes: 500,
        }),
        // A worker without them.
        buildSample({ process: 'web:3', at: new Date(NOON + 9000) }),
      ],
      { nowMs, minutes: 60 },
    );
    expect(at(overview, overview.series.activeSessions, NOON)).toBe(7);
    expect(at(overview, overview.series.blobFreeBytes, NOON)).toBe(500);
    expect(overview.queues).toHaveLength(1);
    const [q] = overview.queues;
    expect(q).toMatchObject({ source: 'table', type: 'analysis.snapshot' });
    expect(at(overview, q!.depth, NOON)).toBe(4);
    expect(at(overview, q!.oldestWaitingSeconds, NOON)).toBe(4);
  });

  it('leaves deployment-wide numbers empty when only other processes sampled', () => {
    const overview = buildOverview([buildSample({ process: 'web:3' })], { nowMs, minutes: 60 });
    expect(at(overview, overview.series.activeSessions, NOON)).toBeNull();
    expect(at(overview, overview.series.blobFreeBytes, NOON)).toBeNull();
  });

  it('gives alert latency quantiles from every process’s histogram in the bucket', () => {
    const overview = buildOverview(
      [
        buildSample({
          process: 'a:1',
          alertsSent: 10,
          alertLatencyBuckets: { '0.1': 5, '0.5': 9, '1': 10, '+Inf': 10 },
        }),
        buildSample({
          process: 'b:2',
          alertsSent: 10,
          alertLatencyBuckets: { '0.1': 5, '0.5': 9, '1': 10, '+Inf': 10 },
        }),
      ],
      { nowMs, minutes: 60 },
    );
    expect(at(overview, overview.series.alertLatencyP50Seconds, NOON)).toBeCloseTo(0.1);
    // Rank 19 of 20 lies in (0.5, 1]: one of two observations in it.
    expect(at(overview, overview.series.alertLatencyP95Seconds, NOON)).toBeCloseTo(0.75);
    expect(at(overview, overview.series.alertsPerSecond, NOON)).toBeCloseTo(20 / 15);
  });

  it('sums wider buckets over their samples (24 h: 6 minutes each)', () => {
    const rows = Array.from({ length: 24 }, (_, i) =>
      buildSample({ at: new Date(NOON + i * 15_000), ingestItems: 15 }),
    );
    const overview = buildOverview(rows, { nowMs: NOON + 6 * 60_000 - 1, minutes: 1440 });
    expect(overview.bucketSeconds).toBe(360);
    expect(overview.times.at(-1)).toBe(NOON / 1000);
    expect(overview.series.ingestItemsPerSecond.at(-1)).toBe(1);
  });
});

describe('histogramQuantile', () => {
  it('interpolates within the bucket, as Prometheus does', () => {
    expect(histogramQuantile(0.5, { '1': 0, '2': 10, '+Inf': 10 })).toBe(1.5);
  });

  it('answers the highest finite bound past it, and null without observations', () => {
    expect(histogramQuantile(0.95, { '1': 1, '+Inf': 10 })).toBe(1);
    expect(histogramQuantile(0.95, { '1': 0, '+Inf': 0 })).toBeNull();
    expect(histogramQuantile(0.95, {})).toBeNull();
  });
});
