import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { statusClass, instrumentHttp, UNMATCHED_ROUTE } from './http-metrics.js';
import { createInstruments } from './instruments.js';

describe('statusClass', () => {
  it('keeps only the hundreds', () => {
    expect([200, 201, 304, 404, 429, 500, 503].map(statusClass)).toEqual([
      '2xx',
      '2xx',
      '3xx',
      '4xx',
      '4xx',
      '5xx',
      '5xx',
    ]);
    expect(statusClass(99)).toBe('other');
  });
});

describe('instrumentHttp', () => {
  it('labels requests by route template, never by the ids in the URL; unmatched URLs share one label', async () => {
    const registry = new Registry();
    const m = createInstruments(registry);
    const app = Fastify();
    instrumentHttp(app, m);
    app.get('/api/sessions/:id', async (req) => {
      if ((req.params as { id: string }).id === 'boom') throw new Error('boom');
      return { ok: true };
    });
    for (const id of ['a1', 'b2', 'c3']) await app.inject(`/api/sessions/${id}`);
    await app.inject('/api/sessions/boom');
    await app.inject('/no/such/route/4f1c');
    await app.inject('/another/unknown');
    await app.close();

    const { values } = await m.httpDuration.get();
    const counts = values
      .filter((v) => v.metricName === 'invigil_http_request_duration_seconds_count')
      .map((v) => [v.labels.route, v.labels.method, v.labels.status_class, v.value]);
    expect(counts).toEqual(
      expect.arrayContaining([
        ['/api/sessions/:id', 'GET', '2xx', 3],
        ['/api/sessions/:id', 'GET', '5xx', 1],
        [UNMATCHED_ROUTE, 'GET', '4xx', 2],
      ]),
    );
    expect(counts).toHaveLength(3);
  });
});
