import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { acceptRaw } from '../recording/upload-routes.js';
import { RawBodySchema, type RawBody } from '../recording/schema.js';
import { responses, zod } from '../responses.js';
import { ANY_ROLE } from '../route-policy.js';

/** Largest probe body: enough for a meaningful sample on a fast line, small enough to be cheap. */
export const MAX_PROBE_BYTES = 2 * 1024 * 1024;

/**
 * Upload-speed probe for the student's system check: the server reads the whole body and
 * discards it, so the client can time a real upload to this server without storing anything.
 */
export async function probeRoutes(app: FastifyInstance) {
  acceptRaw(app, ['application/octet-stream'], MAX_PROBE_BYTES);
  zod(app).post(
    '/api/bandwidth-probe',
    {
      config: {
        auth: { roles: ANY_ROLE, scope: null },
        rateLimit: { max: 120, timeWindow: 60_000 },
      },
      bodyLimit: MAX_PROBE_BYTES,
      schema: {
        tags: ['health'],
        summary:
          'Upload-speed probe: send up to 2 MiB of application/octet-stream; it is read and discarded',
        consumes: ['application/octet-stream'],
        body: RawBodySchema,
        response: responses({ 200: z.object({ bytes: z.number().int() }) }),
      },
    },
    async (req) => ({ bytes: (req.body as RawBody).bytes.length }),
  );
}
