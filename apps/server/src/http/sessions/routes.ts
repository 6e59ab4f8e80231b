import type { FastifyInstance } from 'fastify';
import { ExamSession, IdParams, TransitionBody } from '@invigil/contracts';
import type { SessionService } from '../../services/sessions/sessions.service.js';
import { ANY_ROLE, SESSION_READ, actorOf } from '../route-policy.js';
import { responses, zod } from '../responses.js';

/** Exam attempts: read one, consent to proctoring, move it along the state machine. */
export async function sessionRoutes(app: FastifyInstance, opts: { sessions: SessionService }) {
  const r = zod(app);
  const tags = ['sessions'];

  r.get(
    '/api/sessions/:id',
    {
      config: { auth: SESSION_READ },
      schema: {
        tags,
        summary: 'One exam session',
        params: IdParams,
        response: responses({ 200: ExamSession }),
      },
    },
    async (req) => opts.sessions.get(actorOf(req), req.params.id),
  );

  r.post(
    '/api/sessions/:id/transitions',
    {
      config: { auth: { roles: ANY_ROLE, scope: 'sessions:write' } },
      schema: {
        tags,
        summary:
          'Change a session’s state (409 ILLEGAL_TRANSITION when the state machine forbids it)',
        params: IdParams,
        body: TransitionBody,
        response: responses({ 200: ExamSession }),
      },
    },
    async (req) =>
      opts.sessions.transition(actorOf(req), req.params.id, req.body.to, req.body.reason),
  );

  r.post(
    '/api/sessions/:id/consent',
    {
      config: { auth: { roles: ['student'], scope: null } },
      schema: {
        tags,
        summary: 'Consent to proctoring before starting (needed to begin; idempotent)',
        params: IdParams,
        response: responses({ 200: ExamSession }),
      },
    },
    async (req) => opts.sessions.consent(actorOf(req), req.params.id),
  );
}
