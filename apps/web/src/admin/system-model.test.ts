import { describe, expect, it } from 'vitest';
import type { QueueSeries, SystemOverview } from '@invigil/contracts';
import { formatBytes, formatNumber, formatSeconds } from './system-format';
import { chartHasData, chartsOf, chartSummary, lineStats, queueLabel } from './system-model';

const empty = (n: number) => Array.from({ length: n }, () => null);

function buildQueue(overrides: Partial<QueueSeries> = {}): QueueSeries {
  return {
    source: 'queue',
    type: 'recording.check',
    depth: [0, 0, 0],
    oldestWaitingSeconds: [0, 0, 0],
    ...overrides,
  };
}

function buildOverview(overrides: Partial<SystemOverview> = {}): SystemOverview {
  const n = 3;
  return {
    minutes: 15,
    bucketSeconds: 15,
    times: [1000, 1015, 1030],
    processes: 1,
    latestSampleAt: '2030-01-01T12:00:00.000Z',
    series: {
      activeSessions: [2, null, 5],
      ingestBytesPerSecond: [1000, 2_500_000, 0],
      ingestItemsPerSecond: [1, 2, 0],
      alertsPerSecond: empty(n),
      alertLatencyP50Seconds: empty(n),
      alertLatencyP95Seconds: empty(n),
      httpRequestsPerSecond: [3, 3, 3],
      http4xxPerSecond: [0, 0.2, 0],
      http5xxPerSecond: [0, 0, 0],
      blobFreeBytes: empty(n),
      blobSizeBytes: empty(n),
    },
    queues: [],
    ...overrides,
  };
}

const chart = (o: SystemOverview, id: string) => chartsOf(o).find((c) => c.id === id)!;

describe('System page charts', () => {
  it('sums up a line for screen readers: latest, lowest and highest over the range', () => {
    expect(lineStats([2, null, 5, 1])).toEqual({ latest: 1, min: 1, max: 5 });
    expect(lineStats([null, null])).toBeNull();
    expect(chartSummary(chart(buildOverview(), 'sessions'), 'the last hour')).toBe(
      'latest 5, lowest 2, highest 5 over the last hour.',
    );
    expect(chartSummary(chart(buildOverview(), 'http-errors'), 'the last hour')).toBe(
      '5xx (server): latest 0/s, lowest 0/s, highest 0/s; ' +
        '4xx (client): latest 0/s, lowest 0/s, highest 0.2/s over the last hour.',
    );
  });

  it('says why a chart is empty instead of drawing nothing', () => {
    const latency = chart(buildOverview(), 'alert-latency');
    expect(chartHasData(latency)).toBe(false);
    expect(chartSummary(latency, 'the last hour')).toBe(
      'No alert reached a proctor in this range.',
    );
    expect(chartHasData(chart(buildOverview(), 'blob-free'))).toBe(false);
  });

  it('draws the queues that held jobs, or one "All queues" line when none did', () => {
    const idle = chart(
      buildOverview({ queues: [buildQueue(), buildQueue({ type: 'x' })] }),
      'queue-depth',
    );
    expect(idle.lines.map((l) => l.label)).toEqual(['All queues']);
    expect(idle.lines[0]!.values).toEqual([0, 0, 0]);

    const busy = chart(
      buildOverview({
        queues: [
          buildQueue(),
          buildQueue({ source: 'table', type: 'analysis.snapshot', depth: [0, 4, 1] }),
        ],
      }),
      'queue-depth',
    );
    expect(busy.lines.map((l) => l.label)).toEqual(['Snapshot analysis (analysis_jobs)']);
    expect(busy.lines[0]!.values).toEqual([0, 4, 1]);
  });

  it('names queues in words', () => {
    expect(queueLabel({ source: 'queue', type: 'notification.delivery' })).toBe(
      'Notification delivery',
    );
    expect(queueLabel({ source: 'table', type: 'analysis.snapshot' })).toBe(
      'Snapshot analysis (analysis_jobs)',
    );
    expect(queueLabel({ source: 'queue', type: 'new.type' })).toBe('new.type');
  });
});

describe('System page numbers', () => {
  it('formats bytes in SI units, durations in the unit that reads best', () => {
    expect(formatBytes(950)).toBe('950 B');
    expect(formatBytes(2_500_000)).toBe('2.5 MB');
    expect(formatBytes(480_000_000_000)).toBe('480 GB');
    expect(formatSeconds(0.04)).toBe('40 ms');
    expect(formatSeconds(1.5)).toBe('1.5 s');
    expect(formatSeconds(720)).toBe('12 min');
    expect(formatSeconds(10_800)).toBe('3 h');
    expect(formatNumber(0.004)).toBe('<0.01');
    expect(formatNumber(1204.4)).toBe('1,204');
  });
});
