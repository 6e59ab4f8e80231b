import type { InvigilApp } from '../../apps/server/src/app.js';
import { systemSamples, type SampledQueue } from '../../apps/server/src/db/schema.js';

/** A repeatable wobble in [0, 1) for sample `k`: the same pictures on every run. */
const wobble = (k: number) => {
  const x = Math.sin(k * 12.9898) * 43_758.5453;
  return x - Math.floor(x);
};

const idle = (source: SampledQueue['source'], type: string): SampledQueue => ({
  source,
  type,
  waiting: 0,
  delayed: 0,
  running: 0,
  dead: 0,
  oldestWaitingMs: 0,
});

/**
 * An hour of samples from a busy exam, as the jobs process of another server would have
 * written them every 15 s up to `endMs`: attempts rising and falling, uploads following them,
 * a burst of server errors, an analysis queue that backs up and drains, one slow alert, and
 * a blob disk slowly filling. The System page's charts then have something to draw.
 */
export async function insertBusyHour(app: InvigilApp, endMs: number): Promise<void> {
  const rows = Array.from({ length: 240 }, (_, i) => {
    const k = i + 1;
    const phase = k / 240;
    const sessions = Math.round(12 + 22 * Math.sin(Math.PI * phase) + 3 * wobble(k));
    const backlog = k > 110 && k < 150 ? Math.round(14 * Math.sin((Math.PI * (k - 110)) / 40)) : 0;
    const alerts = wobble(k + 7) > 0.7 ? 1 + Math.round(wobble(k + 3) * 2) : 0;
    const slow = k === 185 ? 1 : 0;
    const fast = Math.round(alerts * 0.6);
    return {
      at: new Date(endMs - (240 - k) * 15_000),
      process: 'exam-host-2:4242',
      intervalMs: 15_000,
      ingestBytes: Math.round(sessions * 15 * (70_000 + 30_000 * wobble(k + 11))),
      ingestItems: Math.round(sessions * 15 * (0.4 + 0.2 * wobble(k + 5))),
      httpResponses: {
        '2xx': sessions * 15 * 2,
        '4xx': wobble(k + 13) > 0.85 ? 1 + Math.round(wobble(k) * 4) : 0,
        '5xx': k >= 150 && k <= 153 ? 9 : 0,
      },
      alertsSent: alerts + slow,
      alertLatencyBuckets: {
        '0.05': 0,
        '0.1': fast,
        '0.25': alerts,
        '0.5': alerts,
        '1': alerts,
        '2': alerts,
        '5': alerts + slow,
        '10': alerts + slow,
        '30': alerts + slow,
        '60': alerts + slow,
        '+Inf': alerts + slow,
      },
      alertLatencySumMs: alerts * 150 + slow * 3200,
      sessionsInProgress: sessions,
      queues: [
        idle('queue', 'analysis.snapshot'),
        idle('queue', 'identity.enrolment'),
        { ...idle('queue', 'notification.delivery'), waiting: wobble(k + 17) > 0.9 ? 1 : 0 },
        idle('queue', 'recording.check'),
        {
          ...idle('table', 'analysis.snapshot'),
          waiting: backlog,
          oldestWaitingMs: backlog * 2500,
        },
      ],
      blobFreeBytes: 412_000_000_000 - k * 45_000_000,
      blobSizeBytes: 500_000_000_000,
    };
  });
  await app.database.db.insert(systemSamples).values(rows);
}
