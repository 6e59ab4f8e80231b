import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server.js';

/** When something really breaks, the client gets a correlation id and no internals. */
describe('unexpected failures', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
  });
  afterAll(async () => {
    await server?.instance.app.close();
  });

  it('answer 500 INTERNAL with a correlation id, without leaking the cause; /healthz says 503', async () => {
    const admin = await server.signedIn('admin');
    await server.instance.database.close();
    const res = await admin.get('/api/exams');
    expect(res.status).toBe(500);
    expect(res.body.code).toBe('INTERNAL');
    expect(res.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-correlation-id')).toBe(res.body.correlationId);
    expect(JSON.stringify(res.body)).not.toMatch(/pglite|closed|stack/i);
    const health = await server.anonymous().get('/healthz');
    expect(health.status).toBe(503);
    expect(health.body.status).toBe('unavailable');
  });
});
