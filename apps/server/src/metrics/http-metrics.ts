import type { FastifyInstance } from 'fastify';
import type { Instruments } from './instruments.js';

/** The route label of every request no route matched (404s, the web app's client-side paths). */
export const UNMATCHED_ROUTE = 'unmatched';

/** `404` → `4xx`: five values, so each route costs a handful of series, not one per code. */
export function statusClass(statusCode: number): string {
  const hundreds = Math.floor(statusCode / 100);
  return hundreds >= 1 && hundreds <= 5 ? `${hundreds}xx` : 'other';
}

/**
 * Time every response by its route template (`/api/sessions/:id`, never the URL with its
 * ids), method and status class, from the request's arrival to the response's end.
 * Register before the routes, so it covers all of them.
 */
export function instrumentHttp(app: FastifyInstance, m: Pick<Instruments, 'httpDuration'>): void {
  app.addHook('onResponse', async (req, reply) => {
    // The not-found handler has no route template: its URLs are whatever clients sent.
    const route = req.is404 ? UNMATCHED_ROUTE : (req.routeOptions.url ?? UNMATCHED_ROUTE);
    m.httpDuration.observe(
      { route, method: req.method, status_class: statusClass(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}
