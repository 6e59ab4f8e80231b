import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { LtiLaunchService } from '../../services/lti/launch.service.js';
import { ltiError } from '../../services/lti/lti-errors.js';
import { LOGIN_STATE_SECONDS, LoginInitiation } from '../../services/lti/login.service.js';
import { errorPage, launchPage } from '../../services/lti/pages.js';
import type { LtiToolKeys } from '../../services/lti/tool-keys.js';
import { SESSION_COOKIE } from '../auth-hook.js';
import { acceptForms, newNonce, sendPage } from './page-reply.js';

/** The cookie binding a login initiation to the browser that posts the launch. */
export const STATE_COOKIE = 'invigil_lti_state';
/** Only the LTI routes read it. */
const STATE_COOKIE_PATH = '/lti';

/** Options for the launch routes. */
export interface LtiLaunchRoutesOptions {
  launch: LtiLaunchService;
  toolKeys: LtiToolKeys;
  /** The session cookie's Secure flag, as every sign-in sets it. */
  cookieSecure: boolean;
  /** Login initiations, launches and handoffs allowed per client address per minute (each). */
  launchRateLimitPerMinute: number;
}

const LaunchForm = z.object({
  id_token: z
    .string()
    .max(64 * 1024)
    .optional(),
  state: z.string().max(512).optional(),
});
const HandoffForm = z.object({ token: z.string().min(1).max(200) });

/** Where a launch comes from. */
const metaOf = (req: FastifyRequest) => ({
  ip: req.ip,
  ...(req.headers['user-agent'] && { userAgent: req.headers['user-agent'] }),
});

/**
 * Every error of the LTI page routes as an error page with its code and sentence, at its
 * status: these are browser form posts and navigations, often inside the platform's iframe.
 */
export function ltiPageErrorHandler(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  let known: AppError;
  if (error instanceof AppError) known = error;
  else if (error.statusCode === 429) {
    known = new AppError(429, 'RATE_LIMITED', 'Too many attempts; wait a minute and try again');
  } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    known = ltiError('LTI_BAD_MESSAGE', error.message);
  } else {
    req.log.error({ err: error }, 'LTI page failed');
    known = new AppError(500, 'INTERNAL', 'Something went wrong on our side; try again later');
  }
  // What exactly failed, for the operator (never the token itself: causes name claims only).
  if (typeof known.cause === 'string')
    req.log.warn({ code: known.code, cause: known.cause }, 'LTI refused');
  const nonce = newNonce();
  return sendPage(
    reply,
    known.status,
    errorPage({ nonce, code: known.code, message: known.message, correlationId: String(req.id) }),
    nonce,
  );
}

/**
 * LTI 1.3 launch endpoints for learning platforms: the tool's JWKS, login initiation, the
 * launch (redirect URI) and the one-time handoff to a signed-in window. Public (the signed
 * id_token, the single-use state bound to this browser and the nonce protect them) and
 * without CSRF header: platforms reach them by cross-site form posts. Left out of the API
 * document: they are browser pages, not an API.
 */
export async function ltiLaunchRoutes(app: FastifyInstance, opts: LtiLaunchRoutesOptions) {
  acceptForms(app);
  app.setErrorHandler(ltiPageErrorHandler);
  const rateLimit = { max: opts.launchRateLimitPerMinute, timeWindow: 60_000 };
  const config = { auth: 'public' as const, rateLimit };
  const schema = { hide: true };

  app.get('/lti/jwks', { config: { auth: 'public' }, schema }, async (_req, reply) =>
    reply
      .header('cache-control', 'public, max-age=300')
      .type('application/json')
      .send(await opts.toolKeys.jwks()),
  );

  const login = async (req: FastifyRequest, reply: FastifyReply, input: unknown) => {
    const parsed = LoginInitiation.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw ltiError(
        'LTI_BAD_MESSAGE',
        `login: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`,
      );
    }
    const started = await opts.launch.startLogin(parsed.data, metaOf(req));
    reply.setCookie(STATE_COOKIE, started.state, {
      httpOnly: true,
      // The launch is a cross-site form post from the platform, often inside its iframe:
      // only a SameSite=None cookie comes back with it (partitioned per embedding site).
      sameSite: 'none',
      secure: true,
      partitioned: true,
      path: STATE_COOKIE_PATH,
      maxAge: LOGIN_STATE_SECONDS,
    });
    return reply.header('cache-control', 'no-store').redirect(started.redirectUrl, 302);
  };
  app.get('/lti/login', { config, schema }, (req, reply) => login(req, reply, req.query));
  app.post('/lti/login', { config, schema }, (req, reply) => login(req, reply, req.body));

  app.post('/lti/launch', { config, schema }, async (req, reply) => {
    const form = LaunchForm.safeParse(req.body ?? {});
    const body = form.success ? form.data : {};
    const cookieState = req.cookies[STATE_COOKIE];
    // Spent whatever happens next: a launch is tried once.
    reply.clearCookie(STATE_COOKIE, {
      path: STATE_COOKIE_PATH,
      sameSite: 'none',
      secure: true,
      partitioned: true,
    });
    const result = await opts.launch.launch(
      { idToken: body.id_token, state: body.state },
      cookieState,
      metaOf(req),
    );
    if (result.kind === 'deep-link') {
      // The chooser opens in place (inside the platform's frame too): its id is the credential.
      return reply
        .header('cache-control', 'no-store')
        .redirect(`/lti/deep-link/${encodeURIComponent(result.requestId)}`, 303);
    }
    const nonce = newNonce();
    const html = launchPage({
      nonce,
      framed: req.headers['sec-fetch-dest'] === 'iframe',
      person: result.person,
      exam: result.exam,
      handoff: result.handoff,
      student: result.person.role === 'student',
    });
    return sendPage(reply, 200, html, nonce);
  });

  app.post('/lti/handoff', { config, schema }, async (req, reply) => {
    const form = HandoffForm.safeParse(req.body ?? {});
    // No ticket is no known ticket: refused (and audited) like a used one.
    const token = form.success ? form.data.token : '';
    const { session, target } = await opts.launch.handoff(token, metaOf(req));
    // The session cookie exactly as a password sign-in sets it (http/auth/routes.ts).
    reply.setCookie(SESSION_COOKIE, session.secret, {
      httpOnly: true,
      sameSite: 'strict',
      secure: opts.cookieSecure,
      path: '/',
      expires: session.expiresAt,
    });
    return reply.header('cache-control', 'no-store').redirect(target, 303);
  });
}
