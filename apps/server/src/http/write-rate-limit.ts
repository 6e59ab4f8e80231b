import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Limits of the per-user write rate limit. */
export interface WriteRateLimit {
  /** Writes allowed per user in each window. */
  max: number;
  windowMs: number;
}

/**
 * Limit every write under /api (POST, PUT, PATCH, DELETE) per signed-in user: one student's
 * browser, a leaked API token or a script cannot flood the server whatever route it picks.
 * Runs after the auth hook (so the caller is known) and before the body is read. Anonymous
 * writes are sign-in and sign-up, which have their own per-address limit. Every counted
 * write carries `x-ratelimit-limit` and `x-ratelimit-remaining`; a refusal is 429
 * RATE_LIMITED with `retry-after` (seconds). Counters live in Redis when `REDIS_URL` is set
 * (one limit for every process), else in this process's memory (then per process).
 */
export function registerWriteRateLimit(app: FastifyInstance, limit: WriteRateLimit): void {
  // createRateLimit counts without marking the request, so a route's own limit still runs.
  const check = app.createRateLimit({
    max: limit.max,
    timeWindow: limit.windowMs,
    keyGenerator: (req: FastifyRequest) => `write:${req.authn?.actor.userId ?? ''}`,
  });
  app.addHook('onRequest', async (req, reply) => {
    if (!WRITES.has(req.method) || !req.url.startsWith('/api/') || !req.authn) return;
    const result = await check(req);
    if (result.isAllowed) return;
    void reply
      .header('x-ratelimit-limit', result.max)
      .header('x-ratelimit-remaining', result.remaining);
    if (!result.isExceeded) return;
    const retryAfter = Math.max(1, result.ttlInSeconds);
    throw new AppError(
      429,
      'RATE_LIMITED',
      `Too many changes in a short time; wait ${retryAfter} s and try again`,
      {
        limit: result.max,
        windowSeconds: Math.round(limit.windowMs / 1000),
        retryAfterSeconds: retryAfter,
      },
      { 'retry-after': String(retryAfter) },
    );
  });
}
