import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from './helpers/http-client.js';
import { parseRoles } from '../src/roles.js';
import { checkedIn, putSegment } from './helpers/recording.js';
import { eventually } from './helpers/eventually.js';
import { webmBytes } from './helpers/media-bytes.js';
import { expectError } from './helpers/matrix-errors.js';
import { engines, startTestServer, type TestServer } from './helpers/test-server.js';
import { startWebhookReceiver as startReceiver } from './helpers/webhook-receiver.js';

/** The same signed-in user, talking to another process of the deployment. */
function via(server: TestServer, client: HttpClient): HttpClient {
  const other = new HttpClient(server.url);
  if (client.cookie) other.cookie = client.cookie;
  if (client.csrfToken) other.csrfToken = client.csrfToken;
  return other;
}

it('a process without the api role answers no API route, only its health', async () => {
  const ingestOnly = await startTestServer('pglite', { roles: parseRoles('ingest') });
  try {
    expectError(await ingestOnly.anonymous().get('/api/auth/me'), 404, 'ROUTE_NOT_FOUND');
    expectError(await ingestOnly.anonymous().get('/api/live'), 404, 'ROUTE_NOT_FOUND');
    expect((await ingestOnly.anonymous().get('/healthz')).status).toBe(200);
  } finally {
    await ingestOnly.close();
  }
});

// Processes of one deployment share a database: PostgreSQL (PGlite lives in one process).
describe.skipIf(!engines().includes('postgres'))('process roles', () => {
  const engine = 'postgres';
  describe('a process with only some roles serves only their routes', () => {
    let full: TestServer;
    let ingest: TestServer;
    let api: TestServer;
    beforeAll(async () => {
      full = await startTestServer(engine);
      // The same database and blobs, as processes of one deployment share them.
      const shared = {
        database: full.instance.config.database,
        blobDir: full.instance.config.blobDir,
        masterKeys: full.instance.config.masterKeys,
      };
      ingest = await startTestServer(engine, { ...shared, roles: parseRoles('ingest') });
      api = await startTestServer(engine, { ...shared, roles: parseRoles('api,ws') });
    });
    afterAll(async () => {
      await ingest?.close();
      await api?.close();
      await full?.close();
    });

    it('ingest takes uploads and events; the API answers everything else', async () => {
      const f = await checkedIn(full);
      // Signed-in clients of the full server carry cookies any process of the deployment accepts.
      const asStudent = via(ingest, f.student);
      const put = await putSegment(asStudent, f.sessionId, 'webcam', 0, webmBytes('via ingest'));
      expect(put.status, JSON.stringify(put.body)).toBe(201);
      const events = await asStudent.post(`/api/sessions/${f.sessionId}/events`, {
        events: [{ seq: 1, type: 'page.load', at: full.clock.now().getTime(), data: {} }],
      });
      expect(events.status, JSON.stringify(events.body)).toBe(200);
      expectError(await asStudent.get('/api/auth/me'), 404, 'ROUTE_NOT_FOUND');
      expectError(
        await asStudent.get(`/api/sessions/${f.sessionId}/recording`),
        404,
        'ROUTE_NOT_FOUND',
      );
      expect((await ingest.anonymous().get('/healthz')).status).toBe(200);
      expect((await ingest.anonymous().get('/readyz')).status).toBe(200);

      const asProctor = via(api, f.proctor);
      const manifest = await asProctor.get(`/api/sessions/${f.sessionId}/recording`);
      expect(manifest.status).toBe(200);
      expect(manifest.body.segments).toHaveLength(1);
      const refused = await putSegment(
        via(api, f.student),
        f.sessionId,
        'webcam',
        1,
        webmBytes('via api'),
      );
      expect(refused.status).toBe(404);
    });
  });
});

describe.skipIf(!engines().includes('postgres'))('a worker process beside API processes', () => {
  let front: TestServer;
  let worker: TestServer | undefined;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const notifications = {
    allowHttpWebhooks: false,
    pollMs: 100,
    retryBaseMs: 50,
    maxAttempts: 3,
  };
  beforeAll(async () => {
    receiver = await startReceiver();
    front = await startTestServer('postgres', {
      roles: parseRoles('api,ws,ingest'),
      notifications,
    });
  });
  afterAll(async () => {
    await worker?.close();
    await front?.close();
    await receiver?.close();
  });

  it('background jobs wait for a worker, which then runs them', async () => {
    const admin = await front.signedIn('admin');
    const hook = await admin.post('/api/webhooks', {
      url: receiver.url('/jobs'),
      events: ['verdict'],
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const ping = await admin.post(`/api/webhooks/${hook.body.webhook.id}/test`);
    expect(ping.status).toBe(202);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.received.map((r) => r.path)).toEqual([]);
    const waiting = await front.instance.jobs.counts('notification.delivery');
    expect(waiting.waiting).toBe(1);

    worker = await startTestServer('postgres', {
      database: front.instance.config.database,
      blobDir: front.instance.config.blobDir,
      masterKeys: front.instance.config.masterKeys,
      roles: parseRoles('worker'),
      notifications,
    });
    await eventually(() => expect(receiver.received.map((r) => r.path)).toEqual(['/jobs']));
    // The worker serves no API, only its health.
    expectError(await worker.anonymous().get('/api/settings/public'), 404, 'ROUTE_NOT_FOUND');
    expect((await worker.anonymous().get('/readyz')).status).toBe(200);
  });
});
