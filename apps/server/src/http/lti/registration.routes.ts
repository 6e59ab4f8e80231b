import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { LtiRegistrationInvite } from '@invigil/contracts';
import { AppError } from '../../errors.js';
import {
  registrationFailed,
  type LtiDynamicRegistration,
} from '../../services/lti/dynamic-registration.service.js';
import { registeredPage, registrationErrorPage } from '../../services/lti/registration-pages.js';
import { actorOf } from '../route-policy.js';
import { responses, zod } from '../responses.js';
import { newNonce, sendPage } from './page-reply.js';

/** Options for the Dynamic Registration routes. */
export interface LtiRegistrationRoutesOptions {
  registration: LtiDynamicRegistration;
  /** The public base URL (PUBLIC_URL) the tool's endpoints are made from. */
  publicUrl: string;
  loginRateLimitPerMinute: number;
}

const RegisterParams = z.object({ inviteToken: z.string().min(1).max(200) });
const RegisterQuery = z.object({
  openid_configuration: z.string().min(1).max(2000),
  registration_token: z.string().max(8000).optional(),
});

/** Every error of the registration page as a page with its code and sentence, at its status. */
function registrationErrorHandler(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  let known: AppError;
  if (error instanceof AppError) known = error;
  else if (error.statusCode === 429) {
    known = new AppError(429, 'RATE_LIMITED', 'Too many attempts; wait a minute and try again');
  } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    known = registrationFailed(
      'The platform opened this page without its configuration address (openid_configuration)',
      400,
    );
  } else {
    req.log.error({ err: error }, 'LTI registration failed');
    known = new AppError(500, 'INTERNAL', 'Something went wrong on our side; try again later');
  }
  if (known.code === 'LTI_REGISTRATION_FAILED') {
    req.log.warn({ message: known.message }, 'LTI dynamic registration refused');
  }
  const nonce = newNonce();
  return sendPage(
    reply,
    known.status,
    registrationErrorPage({
      nonce,
      code: known.code,
      message: known.message,
      correlationId: String(req.id),
    }),
    nonce,
  );
}

/**
 * LTI Dynamic Registration: admins make one-time invitations (API, step-up), and the page a
 * platform opens with one (public: the invitation is its credential; it answers pages, not
 * JSON, and is left out of the API document like the other LTI pages).
 */
export async function ltiRegistrationRoutes(
  app: FastifyInstance,
  opts: LtiRegistrationRoutesOptions,
) {
  const r = zod(app);

  r.post(
    '/api/lti/registration-invites',
    {
      config: { auth: { roles: ['admin'], scope: null, stepUp: true } },
      schema: {
        tags: ['lti'],
        summary:
          'A one-time URL that registers Invigil at a platform by LTI Dynamic Registration (24 h)',
        response: responses({ 201: LtiRegistrationInvite }),
      },
    },
    async (req, reply) => {
      const invite = await opts.registration.createInvite(actorOf(req).userId, opts.publicUrl);
      return reply.status(201).send(invite);
    },
  );

  r.get(
    '/lti/register/:inviteToken',
    {
      config: {
        auth: 'public',
        rateLimit: { max: opts.loginRateLimitPerMinute, timeWindow: 60_000 },
      },
      // A HEAD (a link checker, a prefetch) must not use the invitation up.
      exposeHeadRoute: false,
      errorHandler: registrationErrorHandler,
      schema: { hide: true, params: RegisterParams, querystring: RegisterQuery },
    },
    async (req, reply) => {
      const platform = await opts.registration.register(
        req.params.inviteToken,
        {
          openidConfiguration: req.query.openid_configuration,
          registrationToken: req.query.registration_token,
        },
        { baseUrl: opts.publicUrl },
      );
      const nonce = newNonce();
      return sendPage(
        reply,
        200,
        registeredPage({ nonce, platformName: platform.name, issuer: platform.issuer }),
        nonce,
      );
    },
  );
}
