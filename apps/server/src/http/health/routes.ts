import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Database } from '../../db/database.js';
import { zod } from '../responses.js';

/** Liveness and database reachability, for load balancers and operators. */
export async function healthRoutes(app: FastifyInstance, opts: { database: Database }) {
  zod(app).get(
    '/healthz',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Health check',
        response: {
          200: z.object({ status: z.literal('ok'), database: z.string() }),
          503: z.object({ status: z.literal('unavailable'), database: z.string() }),
        },
      },
    },
    async (_req, reply) => {
      try {
        await opts.database.ping();
        return { status: 'ok' as const, database: opts.database.name };
      } catch {
        return reply
          .status(503)
          .send({ status: 'unavailable' as const, database: opts.database.name });
      }
    },
  );
}
