import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeAnalysis } from '@invigil/detection/node';
import type { Detector } from '../src/ports/detector.port.js';
import { completeCheckIn } from './helpers/check-in.js';
import { eventually } from './helpers/eventually.js';
import { oneFaceAnalysis } from './helpers/fake-analysis.js';
import { connectLive, type LiveSocket } from './helpers/live-socket.js';
import { jpegBytes, webmBytes } from './helpers/media-bytes.js';
import { freePort } from './helpers/postgres.js';
import { parseScrape, type Scrape } from './helpers/prometheus-text.js';
import { putSegment, putSnapshot, recordingFixture } from './helpers/recording.js';
import { engines, startTestServer, type TestServer } from './helpers/test-server.js';
import { startWebhookReceiver as startReceiver } from './helpers/webhook-receiver.js';

const TOKEN = 'metrics-test-scrape-token';
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** One face in every image, except images the test marked unreadable (a permanent failure). */
class StubDetector implements Detector {
  readonly unreadable = new Set<string>();
  async analyze(bytes: Uint8Array): Promise<NodeAnalysis> {
    if (this.unreadable.has(sha256(bytes))) {
      const error = new Error('not a readable image');
      error.name = 'UnreadableImageError';
      throw error;
    }
    return oneFaceAnalysis('stub');
  }
  async close(): Promise<void> {}
}

/**
 * GET /metrics through HTTP against a real server while an exam runs: a student checks in,
 * uploads a segment, a snapshot and events (one of them the browser's upload.backlog report),
 * a flag is raised and reaches the proctor's socket, server analysis runs (one identity photo
 * it cannot read is dead-lettered) and a webhook is delivered. Every series the alert rules
 * and the dashboard use is there, with the values this run implies.
 */
describe.each(engines())('metrics on %s', (engine) => {
  let server: TestServer;
  let metricsPort: number;
  const detector = new StubDetector();
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const sockets: LiveSocket[] = [];

  beforeAll(async () => {
    metricsPort = await freePort();
    receiver = await startReceiver();
    server = await startTestServer(
      engine,
      {
        // Read the database on every scrape: the test moves the clock between scrapes.
        metrics: { token: TOKEN, port: metricsPort, cacheMs: 0 },
        detection: { enabled: true, workers: 1, pollMs: 200 },
      },
      { detector },
    );
  });
  afterAll(async () => {
    for (const s of sockets) await s.close();
    await server?.close();
    await receiver?.close();
  });

  const scrape = async (): Promise<Scrape> => {
    const res = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    return parseScrape(await res.text());
  };

  it('asks for the token on the main port; METRICS_PORT serves the same without one', async () => {
    const anonymous = await fetch(`${server.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    expect(await anonymous.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    const wrong = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}-not` },
    });
    expect(wrong.status).toBe(401);
    // An API token is not a scrape token, nor the other way round.
    const admin = await server.signedIn('admin');
    const apiCall = await fetch(`${server.url}/api/exams`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(apiCall.status).toBe(401);
    expect(admin.userId).toBeDefined();

    const ok = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const onPort = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(onPort.status).toBe(200);
    const scraped = parseScrape(await onPort.text());
    expect(scraped.value('invigil_server_processes')).toBe(1);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/api/exams`)).status).toBe(404);
  });

  it('answers GET /metrics on the main port with 404 when no token is configured', async () => {
    const plain = await startTestServer(engine);
    try {
      const res = await fetch(`${plain.url}/metrics`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    } finally {
      await plain.close();
    }
  });

  it('shows an exam run in every series', async () => {
    const now = () => server.clock.now().getTime();
    const f = await recordingFixture(server);
    // The ID document photo is one the analysis can never read: it ends as a dead letter.
    detector.unreadable.add(sha256(jpegBytes(`${f.sessionId} id_document`)));
    expect((await f.move(f.student, 'checking_in')).status).toBe(200);
    await completeCheckIn(f.student, f.sessionId, { takenMs: now() });
    expect((await f.move(f.student, 'in_progress')).status).toBe(200);

    const feed = await connectLive(server.url, f.proctor, `examId=${f.examId}`);
    sockets.push(feed);
    await feed.untilReady();
    const page = await connectLive(server.url, f.student, `sessionId=${f.sessionId}`);
    sockets.push(page);
    await page.untilReady();

    const segment = webmBytes(`${f.sessionId} webcam 0`);
    const seg = await putSegment(f.student, f.sessionId, 'webcam', 0, segment, {
      startMs: now() - 6000,
      endMs: now(),
    });
    expect(seg.status, JSON.stringify(seg.body)).toBe(201);
    const shot = jpegBytes(`${f.sessionId} webcam snapshot 0`);
    const snap = await putSnapshot(f.student, f.sessionId, 'webcam', 0, shot, { takenMs: now() });
    expect(snap.status, JSON.stringify(snap.body)).toBe(201);
    const backlog = { pending: 4, pendingMediaMs: 90_000, pendingBytes: 2_000_000 };
    const events = await f.student.post(`/api/sessions/${f.sessionId}/events`, {
      events: [
        { seq: 1, type: 'upload.backlog', at: now(), data: backlog },
        {
          seq: 2,
          type: 'detect.state',
          at: now() - 8000,
          data: { detector: 'no_face', active: true, confidence: 0.9, model: 'test-model' },
        },
      ],
    });
    expect(events.status, JSON.stringify(events.body)).toBe(200);
    await feed.waitFor((m) => m.topic === 'flag.created' && m.data.flag.type === 'no_face');

    const hook = await f.admin.post('/api/webhooks', {
      url: receiver.url('/hook'),
      events: ['verdict'],
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    expect((await f.admin.post(`/api/webhooks/${hook.body.webhook.id}/test`)).status).toBe(202);
    expect((await f.student.get('/api/no/such/route')).status).toBe(404);

    // Background work settles: both identity photos analysed (one unreadable), the ping sent.
    const m = await eventually(async () => {
      const s = await scrape();
      const enrolment = { type: 'identity.enrolment' };
      const failed = { reason: 'enrolment', outcome: 'failed' };
      expect(s.value('invigil_analysis_duration_seconds_count', failed)).toBe(1);
      expect(s.value('invigil_jobs', { ...enrolment, state: 'waiting' })).toBe(0);
      expect(s.value('invigil_jobs', { ...enrolment, state: 'running' })).toBe(0);
      expect(s.value('invigil_job_latency_seconds_count', { type: 'notification.delivery' })).toBe(
        1,
      );
      return s;
    });

    // HTTP: by route template and status class; unmatched URLs under one label.
    const http = 'invigil_http_request_duration_seconds_count';
    expect(
      m.value(http, {
        route: '/api/sessions/:id/media/:track/:seq',
        method: 'PUT',
        status_class: '2xx',
      }),
    ).toBe(1);
    expect(m.sum(http, { route: 'unmatched', status_class: '4xx' })).toBeGreaterThanOrEqual(1);
    expect(m.samples.some((s) => s.labels.route?.includes(f.sessionId))).toBe(false);

    // Live sockets, attempts by state, what the running attempt looks like.
    expect(m.value('invigil_websockets_open', { audience: 'staff' })).toBe(1);
    expect(m.value('invigil_websockets_open', { audience: 'student' })).toBe(1);
    expect(m.value('invigil_sessions', { state: 'in_progress' })).toBe(1);
    expect(m.value('invigil_sessions', { state: 'reviewed' })).toBe(0);
    expect(m.value('invigil_sessions_media_stale')).toBe(0);
    expect(m.value('invigil_sessions_upload_backlog_reported')).toBe(1);

    // Ingest by kind, and the browser's own word on its backlog.
    const ingest = (kind: string, name: string) => ({ kind, name });
    expect(m.value('invigil_ingest_items_total', ingest('segment', 'webcam'))).toBe(1);
    expect(m.value('invigil_ingest_bytes_total', ingest('segment', 'webcam'))).toBe(segment.length);
    expect(m.value('invigil_ingest_items_total', ingest('snapshot', 'webcam'))).toBe(1);
    expect(m.value('invigil_ingest_bytes_total', ingest('snapshot', 'webcam'))).toBe(shot.length);
    expect(m.value('invigil_ingest_items_total', ingest('snapshot', 'id_face'))).toBe(1);
    expect(m.value('invigil_ingest_items_total', ingest('snapshot', 'id_document'))).toBe(1);
    // The check-in's system check, the backlog report and the detection.
    expect(m.value('invigil_ingest_items_total', ingest('event', 'client'))).toBe(3);
    expect(m.value('invigil_ingest_bytes_total', ingest('event', 'client'))).toBeGreaterThan(0);
    expect(m.value('invigil_client_upload_backlog_reports_total')).toBe(1);
    expect(m.value('invigil_client_upload_backlog_media_seconds_sum')).toBe(90);

    // Flags, and the proctor hearing of them.
    expect(m.sum('invigil_flags_created_total', { type: 'no_face' })).toBeGreaterThanOrEqual(1);
    expect(m.value('invigil_flag_alerts_sent_total')).toBeGreaterThanOrEqual(1);
    expect(m.value('invigil_flag_alert_latency_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(m.value('invigil_flag_alert_latency_seconds_sum')).toBeGreaterThanOrEqual(0);

    // Server analysis and the jobs behind it.
    const duration = 'invigil_analysis_duration_seconds_count';
    expect(m.sum(duration, { reason: 'enrolment', outcome: 'analysed' })).toBeGreaterThanOrEqual(1);
    expect(m.value(duration, { reason: 'enrolment', outcome: 'failed' })).toBe(1);
    // An unreadable photo is evidence (a flag), not a job for the dead letters.
    const enrolment = { type: 'identity.enrolment' };
    expect(m.value('invigil_jobs', { ...enrolment, state: 'dead' })).toBe(0);
    expect(m.value('invigil_jobs_dead_lettered_total', enrolment)).toBe(0);
    expect(m.value('invigil_job_latency_seconds_count', enrolment)).toBeGreaterThanOrEqual(2);
    expect(m.value('invigil_job_oldest_waiting_seconds', enrolment)).toBe(0);
    expect(m.value('invigil_job_oldest_waiting_seconds', { type: 'analysis.snapshot' })).toBe(0);
    expect(m.value('invigil_jobs', { type: 'notification.delivery', state: 'waiting' })).toBe(0);
    expect(m.value('invigil_jobs_dead_lettered_total', { type: 'notification.delivery' })).toBe(0);

    // The database, the blob disk and the process.
    expect(m.value('invigil_database_up')).toBe(1);
    expect(m.value('invigil_database_ping_duration_seconds')).toBeGreaterThan(0);
    if (engine === 'postgres') {
      expect(m.sum('invigil_database_pool_connections')).toBeGreaterThan(0);
      expect(m.value('invigil_database_pool_waiting_queries')).toBe(0);
    }
    const free = m.value('invigil_blob_store_free_bytes');
    expect(free).toBeGreaterThan(0);
    expect(m.value('invigil_blob_store_size_bytes')).toBeGreaterThanOrEqual(free);
    expect(m.value('nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
    expect(m.value('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);

    // Six minutes on: no segment for longer than two, and the backlog report is old news.
    server.clock.advance(6 * 60_000);
    const later = await scrape();
    expect(later.value('invigil_sessions_media_stale')).toBe(1);
    expect(later.value('invigil_sessions_upload_backlog_reported')).toBe(0);
  });
});
