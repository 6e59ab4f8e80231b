import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { registerErrorHandling } from '../http/error-handler.js';
import {
  bearerMatches,
  listenForMetrics,
  metricsRoute,
  type MetricsSource,
} from './metrics-endpoint.js';

const TOKEN = 'a-long-enough-scrape-token';
const source: MetricsSource = {
  contentType: 'text/plain; version=0.0.4; charset=utf-8',
  scrape: async () => '# HELP up_total x\nup_total 1\n',
};

describe('bearerMatches', () => {
  it('accepts exactly Bearer <token>', () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(TOKEN, TOKEN)).toBe(false);
    expect(bearerMatches(`Bearer ${TOKEN}x`, TOKEN)).toBe(false);
    expect(bearerMatches(`Basic ${TOKEN}`, TOKEN)).toBe(false);
    expect(bearerMatches(undefined, TOKEN)).toBe(false);
  });
});

describe('GET /metrics on the main port', () => {
  async function app(token: string | undefined) {
    const app = Fastify();
    registerErrorHandling(app);
    metricsRoute(app, source, token);
    await app.ready();
    return app;
  }

  it('is a route that does not exist while no token is configured', async () => {
    const a = await app(undefined);
    const res = await a.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
    await a.close();
  });

  it('asks for the bearer token and serves the text with it', async () => {
    const a = await app(TOKEN);
    for (const authorization of [undefined, 'Bearer wrong-token-of-some-length', TOKEN]) {
      const res = await a.inject({
        url: '/metrics',
        headers: authorization ? { authorization } : {},
      });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(res.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    const ok = await a.inject({ url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toBe(source.contentType);
    expect(ok.body).toContain('up_total 1');
    await a.close();
  });
});

describe('listenForMetrics', () => {
  it('serves GET /metrics without a token on its own port, and nothing else', async () => {
    const errors: unknown[] = [];
    let fail = false;
    const listener = await listenForMetrics(
      {
        ...source,
        scrape: async () => {
          if (fail) throw new Error('no primary');
          return source.scrape();
        },
      },
      '127.0.0.1',
      0,
      (e) => errors.push(e),
    );
    try {
      const ok = await fetch(`${listener.address}/metrics`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('up_total 1');
      expect((await fetch(`${listener.address}/`)).status).toBe(404);
      expect((await fetch(`${listener.address}/metrics`, { method: 'POST' })).status).toBe(404);
      fail = true;
      expect((await fetch(`${listener.address}/metrics`)).status).toBe(503);
      expect(errors).toHaveLength(1);
    } finally {
      await listener.close();
    }
  });

  it('fails when the port is taken, so a wrong METRICS_PORT stops the start', async () => {
    const first = await listenForMetrics(source, '127.0.0.1', 0, () => undefined);
    const port = Number(new URL(first.address).port);
    try {
      await expect(listenForMetrics(source, '127.0.0.1', port, () => undefined)).rejects.toThrow(
        /EADDRINUSE/,
      );
    } finally {
      await first.close();
    }
  });
});
