import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Database } from '../../db/database.js';
import { zod } from '../responses.js';

/** One dependency `/readyz` checks: it resolves when the part works, and throws when not. */
export interface ReadinessProbe {
  name: string;
  check(): Promise<void>;
}

/** How long one probe may take before the part counts as failing. */
const PROBE_TIMEOUT_MS = 3000;

async function probe(p: ReadinessProbe): Promise<{ name: string; ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      p.check(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer in ${PROBE_TIMEOUT_MS} ms`)),
          PROBE_TIMEOUT_MS,
        );
      }),
    ]);
    return { name: p.name, ok: true };
  } catch (err) {
    // The reason helps an operator; it names the part, never a credential.
    const error = err instanceof Error ? err.message.slice(0, 300) : 'failed';
    return { name: p.name, ok: false, error };
  } finally {
    clearTimeout(timer);
  }
}

const ReadyPart = z.object({ name: z.string(), ok: z.boolean(), error: z.string().optional() });

/**
 * Liveness and database reachability (`/healthz`), and readiness (`/readyz`: every part this
 * process needs — the database, the blob store, the job queue — answers), for load
 * balancers and operators.
 */
export async function healthRoutes(
  app: FastifyInstance,
  opts: { database: Database; probes?: readonly ReadinessProbe[] },
) {
  zod(app).get(
    '/readyz',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['health'],
        summary: 'Readiness: 503 names the parts that do not answer',
        response: {
          200: z.object({ status: z.literal('ready'), parts: z.array(ReadyPart) }),
          503: z.object({ status: z.literal('unavailable'), parts: z.array(ReadyPart) }),
        },
      },
    },
    async (_req, reply) => {
      const probes: ReadinessProbe[] = [
        { name: 'database', check: () => opts.database.ping() },
        ...(opts.probes ?? []),
      ];
      const parts = await Promise.all(probes.map(probe));
      if (parts.every((p) => p.ok)) return { status: 'ready' as const, parts };
      return reply.status(503).send({ status: 'unavailable' as const, parts });
    },
  );

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
