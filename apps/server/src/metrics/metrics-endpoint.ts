import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { AppError, errors } from '../errors.js';
import { safeEqual } from '../services/accounts/auth.service.js';

/** How the endpoint gets the text Prometheus reads (this process's, or the cluster's). */
export interface MetricsSource {
  scrape(): Promise<string>;
  contentType: string;
}

/** Whether `Authorization` carries exactly `Bearer <token>` (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const sent = /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
  return sent !== undefined && safeEqual(sent, token);
}

/**
 * GET /metrics on the main port, for a Prometheus that sends `token` as a bearer token. It is
 * not an API route: the auth hook (which would take the token for an API token) leaves it
 * alone, and it is not in the OpenAPI document. Without a token configured it answers 404,
 * as a route that does not exist, rather than falling through to the web app.
 */
export function metricsRoute(
  app: FastifyInstance,
  source: MetricsSource,
  token: string | undefined,
): void {
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (!token) throw new AppError(404, 'ROUTE_NOT_FOUND', 'No route GET /metrics');
    if (!bearerMatches(req.headers.authorization, token)) {
      const refused = errors.unauthenticated('GET /metrics needs Authorization: Bearer <token>');
      throw new AppError(refused.status, refused.code, refused.message, undefined, {
        'www-authenticate': 'Bearer realm="metrics"',
      });
    }
    const text = await source.scrape();
    return reply.header('cache-control', 'no-store').type(source.contentType).send(text);
  });
}

/** A listener of its own that serves GET /metrics and nothing else. */
export interface MetricsListener {
  /** `http://host:port` it listens on. */
  address: string;
  close(): Promise<void>;
}

/**
 * Serve GET /metrics without a token on `host:port` (METRICS_PORT), for a Prometheus on a
 * private network. In a cluster worker the port is shared with the other workers like the
 * main one; every worker answers with the whole cluster's metrics.
 */
export async function listenForMetrics(
  source: MetricsSource,
  host: string,
  port: number,
  onError: (error: unknown) => void,
): Promise<MetricsListener> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    source.scrape().then(
      (text) => {
        res.writeHead(200, { 'content-type': source.contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        onError(error);
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('Metrics are unavailable\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port: bound } = server.address() as AddressInfo;
  return {
    address: `http://${address.includes(':') ? `[${address}]` : address}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
