import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  EmptyHandBody,
  HelpRequest,
  IdParams,
  RaiseHandBody,
  TakeHandBody,
} from '@invigil/contracts';
import type { HandService } from '../../services/live/hands.service.js';
import { responses, zod } from '../responses.js';
import { SESSION_READ, actorOf } from '../route-policy.js';

const tags = ['hands'];

/** The student raising or lowering their hand, from the browser. */
const STUDENT_ONLY = { roles: ['student'], scope: null } as const;
/** Answering a hand: like interventions, the exam's proctors and admins. */
const STAFF_ANSWER = { roles: ['proctor', 'admin'], scope: 'sessions:write' } as const;

/**
 * Raised hands: the student asks for help, a proctor takes it on and resolves it. Every
 * change goes out live as `hand`; a closed hand is 409 HAND_CLOSED.
 */
export async function handRoutes(app: FastifyInstance, opts: { hands: HandService }) {
  const r = zod(app);

  r.post(
    '/api/sessions/:id/hand',
    {
      config: { auth: STUDENT_ONLY },
      schema: {
        tags,
        summary: 'Raise a hand to ask a proctor for help (the session’s student)',
        description:
          'Optional `message` (up to 280 characters). From check-in until the attempt ends ' +
          '(409 SESSION_NOT_ACTIVE); 409 HAND_DISABLED when the exam’s policy turns it off; ' +
          '409 HAND_ALREADY_RAISED while one is open; 429 HAND_RATE_LIMITED (with ' +
          '`retry-after`) when raised and lowered too often (CHAT_MESSAGES_PER_30_SECONDS, ' +
          'counted apart from chat). Closes itself when the attempt ends.',
        params: IdParams,
        body: RaiseHandBody,
        response: responses({ 201: HelpRequest }),
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(await opts.hands.raise(actorOf(req), req.params.id, req.body?.message ?? null)),
  );

  r.get(
    '/api/sessions/:id/hands',
    {
      config: { auth: SESSION_READ },
      schema: {
        tags,
        summary: 'A session’s raised hands, oldest first (its student, the exam’s staff)',
        params: IdParams,
        response: responses({ 200: z.array(HelpRequest) }),
      },
    },
    async (req) => opts.hands.list(actorOf(req), req.params.id),
  );

  r.post(
    '/api/hands/:id/lower',
    {
      config: { auth: STUDENT_ONLY },
      schema: {
        tags,
        summary: 'Lower your raised hand (the student)',
        description: 'Counts toward the raise/lower limit (429 HAND_RATE_LIMITED).',
        params: IdParams,
        body: EmptyHandBody,
        response: responses({ 200: HelpRequest }),
      },
    },
    async (req) => opts.hands.lower(actorOf(req), req.params.id),
  );

  r.post(
    '/api/hands/:id/take',
    {
      config: { auth: STAFF_ANSWER },
      schema: {
        tags,
        summary: 'Take a raised hand on (409 HAND_TAKEN if another proctor has it)',
        description:
          'Send `{ "takeOver": true }` to take it from the proctor who has it. Repeating it ' +
          'changes nothing.',
        params: IdParams,
        body: TakeHandBody,
        response: responses({ 200: HelpRequest }),
      },
    },
    async (req) => opts.hands.take(actorOf(req), req.params.id, req.body?.takeOver ?? false),
  );

  r.post(
    '/api/hands/:id/resolve',
    {
      config: { auth: STAFF_ANSWER },
      schema: {
        tags,
        summary: 'Resolve a raised hand: the student was helped',
        params: IdParams,
        body: EmptyHandBody,
        response: responses({ 200: HelpRequest }),
      },
    },
    async (req) => opts.hands.resolve(actorOf(req), req.params.id),
  );
}
