import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ApiToken, CreateTokenBody, CreatedToken, IdParams, Ok } from '@invigil/contracts';
import type { TokenService } from '../../services/accounts/tokens.service.js';
import { STAFF, actorOf } from '../route-policy.js';
import { responses, zod } from '../responses.js';

/** Staff manage their own API tokens from a browser session (a token cannot mint tokens). */
export async function tokenRoutes(app: FastifyInstance, opts: { tokens: TokenService }) {
  const r = zod(app);
  const tags = ['tokens'];
  const config = { auth: { roles: STAFF, scope: null } };

  r.get(
    '/api/tokens',
    {
      config,
      schema: { tags, summary: 'Your API tokens', response: responses({ 200: z.array(ApiToken) }) },
    },
    async (req) => opts.tokens.list(actorOf(req)),
  );

  r.post(
    '/api/tokens',
    {
      // A token skips step-up later, so making one is a step-up itself.
      config: { auth: { ...config.auth, stepUp: true as const } },
      schema: {
        tags,
        summary: 'Create an API token (the secret is shown once)',
        body: CreateTokenBody,
        response: responses({ 201: CreatedToken }),
      },
    },
    async (req, reply) => reply.status(201).send(await opts.tokens.create(actorOf(req), req.body)),
  );

  r.delete(
    '/api/tokens/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Revoke an API token',
        params: IdParams,
        response: responses({ 200: Ok }),
      },
    },
    async (req) => {
      await opts.tokens.revoke(actorOf(req), req.params.id);
      return { ok: true as const };
    },
  );
}
