import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createInstruments } from './instruments.js';
import { MetricsRecorder } from './metrics-recorder.js';

/** A recorder on a fresh registry whose clock reads `now`. */
function build(now = 1_000_000) {
  const registry = new Registry();
  const m = createInstruments(registry);
  return { registry, m, recorder: new MetricsRecorder(m, () => now) };
}

/** The value of one series of a metric, by its labels (and series name for histograms). */
async function valueOf(
  metric: { get(): Promise<{ values: { value: number; labels: object; metricName?: string }[] }> },
  labels: Record<string, string | number>,
  metricName?: string,
) {
  const { values } = await metric.get();
  return values.find(
    (v) =>
      (metricName === undefined || v.metricName === metricName) &&
      Object.entries(labels).every(
        ([k, want]) => (v.labels as Record<string, unknown>)[k] === want,
      ),
  )?.value;
}

describe('MetricsRecorder', () => {
  it('counts uploads by kind and track or snapshot kind, with their bytes', async () => {
    const { m, recorder } = build();
    recorder.uploadStored('media', 'webcam', 1000);
    recorder.uploadStored('media', 'webcam', 500);
    recorder.uploadStored('snapshot', 'id_face', 42);
    expect(await valueOf(m.ingestBytes, { kind: 'segment', name: 'webcam' })).toBe(1500);
    expect(await valueOf(m.ingestItems, { kind: 'segment', name: 'webcam' })).toBe(2);
    expect(await valueOf(m.ingestItems, { kind: 'snapshot', name: 'id_face' })).toBe(1);
    // Every expected series exists from the start, at 0.
    expect(await valueOf(m.ingestItems, { kind: 'segment', name: 'screen' })).toBe(0);
  });

  it('counts client events and reads the upload.backlog reports among them', async () => {
    const { m, recorder } = build();
    const events = [
      { type: 'page.visible', data: {} },
      { type: 'upload.backlog', data: { pending: 12, pendingMediaMs: 90_000, pendingBytes: 9 } },
      { type: 'upload.backlog', data: { pendingMediaMs: 'lots' } },
    ];
    recorder.clientEventsStored(events);
    expect(await valueOf(m.ingestItems, { kind: 'event', name: 'client' })).toBe(3);
    expect(await valueOf(m.ingestBytes, { kind: 'event', name: 'client' })).toBe(
      Buffer.byteLength(JSON.stringify(events)),
    );
    expect(await valueOf(m.backlogReports, {})).toBe(2);
    // Only the report with a number is a reading of how much was waiting.
    expect(
      await valueOf(m.backlogMedia, {}, 'invigil_client_upload_backlog_media_seconds_count'),
    ).toBe(1);
    expect(
      await valueOf(m.backlogMedia, {}, 'invigil_client_upload_backlog_media_seconds_sum'),
    ).toBe(90);
  });

  it('keeps flag labels to the known types and severities', async () => {
    const { m, recorder } = build();
    recorder.flagsCreated([
      { type: 'no_face', severity: 'high' },
      { type: 'no_face', severity: 'high' },
      { type: 'made_up_by_a_client', severity: 'apocalyptic' },
    ]);
    expect(await valueOf(m.flagsCreated, { type: 'no_face', severity: 'high' })).toBe(2);
    expect(await valueOf(m.flagsCreated, { type: 'other', severity: 'other' })).toBe(1);
    expect(await valueOf(m.flagsCreated, { type: 'phone', severity: 'low' })).toBe(0);
  });

  it('times a flag from its creation to a proctor socket, and counts only flag.created', async () => {
    const createdMs = 1_000_000 - 1500;
    const { m, recorder } = build(1_000_000);
    recorder.staffMessageSent({
      topic: 'flag.created',
      data: { flag: { createdAt: new Date(createdMs).toISOString() } },
    });
    recorder.staffMessageSent({ topic: 'flag.updated', data: { flag: {} } });
    recorder.staffMessageSent({ topic: 'session.risk', data: {} });
    expect(await valueOf(m.alertsSent, {})).toBe(1);
    expect(await valueOf(m.alertLatency, {}, 'invigil_flag_alert_latency_seconds_sum')).toBe(1.5);
  });

  it('times analyses by reason and outcome, and jobs from their creation to their end', async () => {
    const { m, recorder } = build(50_000);
    const analysed = { outcome: 'analysed' } as const;
    expect(await recorder.timeAnalysis('sample', async () => analysed)).toBe(analysed);
    expect(
      await valueOf(
        m.analysisDuration,
        { reason: 'sample', outcome: 'analysed' },
        'invigil_analysis_duration_seconds_count',
      ),
    ).toBe(1);
    recorder.jobEnded('analysis.snapshot', new Date(40_000));
    recorder.jobEnded('notification.delivery', new Date(20_000), true);
    recorder.jobEnded('notification.delivery', undefined, true);
    const sum = (type: string) =>
      valueOf(m.jobLatency, { type }, 'invigil_job_latency_seconds_sum');
    expect(await sum('analysis.snapshot')).toBe(10);
    expect(await sum('notification.delivery')).toBe(30);
    expect(await valueOf(m.deadLettered, { type: 'notification.delivery' })).toBe(2);
    expect(await valueOf(m.deadLettered, { type: 'analysis.snapshot' })).toBe(0);
  });
});
