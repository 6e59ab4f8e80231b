import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Flag, IdParams, RiskScore } from '@invigil/contracts';
import type { FlagService } from '../../services/detection/flags.service.js';
import { responses, zod } from '../responses.js';
import { SESSION_READ, actorOf } from '../route-policy.js';

const tags = ['flags'];

/**
 * A session's flags and risk score, for staff of the exam (and tokens with sessions:read),
 * like recording reads. Students are let through to the service, which answers 404: they
 * do not see flags yet, and a 403 would tell them the session has some.
 */
export async function flagRoutes(app: FastifyInstance, opts: { flags: FlagService }) {
  const r = zod(app);

  r.get(
    '/api/sessions/:id/flags',
    {
      config: { auth: SESSION_READ },
      schema: {
        tags,
        summary: 'The flags of a session in time order (audited as a recording view)',
        description:
          'Times are client-clock epoch ms, like the recording; offsets are from the start of the ' +
          'attempt. A flag with `endMs: null` is still going on.',
        params: IdParams,
        response: responses({ 200: z.array(Flag) }),
      },
    },
    async (req) => opts.flags.list(actorOf(req), req.params.id),
  );

  r.get(
    '/api/sessions/:id/risk',
    {
      config: { auth: SESSION_READ },
      schema: {
        tags,
        summary: 'The risk score of a session (0–100) with each flag’s contribution',
        description:
          'score = 100·(1 − Π(1 − wᵢ)) over the flags not dismissed, wᵢ = severity weight ' +
          '(low 0.15, medium 0.35, high 0.6) × confidence (1 when confirmed) × duration factor ' +
          '(0.5 for a moment up to 1 from one minute; 1 for client_integrity), each wᵢ ≤ 0.95.',
        params: IdParams,
        response: responses({ 200: RiskScore }),
      },
    },
    async (req) => opts.flags.risk(actorOf(req), req.params.id),
  );
}
