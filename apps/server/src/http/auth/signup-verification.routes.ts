import type { FastifyInstance } from 'fastify';
import {
  IdParams,
  Ok,
  ResendVerificationResponse,
  User,
  VerifyEmailBody,
} from '@invigil/contracts';
import type { SignupService } from '../../services/accounts/signup.service.js';
import { actorOf } from '../route-policy.js';
import { responses, zod } from '../responses.js';

/** Options of the sign-up verification routes. */
export interface SignupVerificationRoutesOptions {
  signup: SignupService;
  loginRateLimitPerMinute: number;
}

/**
 * After self sign-up: verifying the e-mail address with the mailed link, asking for a new
 * link, and the admin's approval or refusal of accounts that wait.
 */
export async function signupVerificationRoutes(
  app: FastifyInstance,
  opts: SignupVerificationRoutesOptions,
) {
  const r = zod(app);
  const rateLimit = { max: opts.loginRateLimitPerMinute, timeWindow: 60_000 };
  const admin = { auth: { roles: ['admin'] as const, scope: 'users:write' as const } };

  r.post(
    '/api/auth/verify-email',
    {
      config: { auth: 'public', rateLimit },
      schema: {
        tags: ['auth'],
        summary:
          'Verify your e-mail address with the link’s secret (400 VERIFY_TOKEN_INVALID when unknown, used or expired)',
        body: VerifyEmailBody,
        response: responses({ 200: Ok }),
      },
    },
    async (req) => {
      // The link may be opened in any browser; one signed in to another account is refused.
      const actor = req.authn?.actor;
      await opts.signup.verify(req.body.token, actor?.via === 'cookie' ? actor.userId : undefined);
      return { ok: true as const };
    },
  );

  r.post(
    '/api/auth/verify-email/resend',
    {
      config: { auth: { roles: ['student'], scope: null }, rateLimit },
      schema: {
        tags: ['auth'],
        summary:
          'E-mail yourself a new verification link (older links stop working); without e-mail, wait for an admin instead',
        response: responses({ 202: ResendVerificationResponse }),
      },
    },
    async (req, reply) => {
      const signupPending = await opts.signup.resend(actorOf(req));
      return reply.status(202).send({ signupPending });
    },
  );

  r.post(
    '/api/users/:id/approve',
    {
      config: admin,
      schema: {
        tags: ['users'],
        summary: 'Approve a self-signed-up account: it may register for exams',
        params: IdParams,
        response: responses({ 200: User }),
      },
    },
    async (req) => opts.signup.approve(actorOf(req), req.params.id),
  );

  r.post(
    '/api/users/:id/reject',
    {
      config: admin,
      schema: {
        tags: ['users'],
        summary: 'Refuse a self-signed-up account that waits: it is disabled and signed out',
        params: IdParams,
        response: responses({ 200: User }),
      },
    },
    async (req) => opts.signup.reject(actorOf(req), req.params.id),
  );
}
