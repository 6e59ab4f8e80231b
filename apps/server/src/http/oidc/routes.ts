import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ErrorBody, OidcCallbackQuery } from '@invigil/contracts';
import { OIDC_CALLBACK_PATH } from '../../config/env-oidc.js';
import type { OidcService } from '../../services/accounts/oidc.service.js';
import { ssoCodeOf, ssoError } from '../../services/accounts/oidc-errors.js';
import { SESSION_COOKIE } from '../auth-hook.js';
import { responses, zod } from '../responses.js';
import {
  decodeFlow,
  encodeFlow,
  FLOW_COOKIE,
  FLOW_COOKIE_PATH,
  FLOW_SECONDS,
} from './flow-cookie.js';

/** Options for the single sign-on routes. */
export interface OidcRoutesOptions {
  /** Undefined when single sign-on is not configured: both routes answer SSO_NOT_CONFIGURED. */
  oidc: OidcService | undefined;
  cookieSecure: boolean;
  loginRateLimitPerMinute: number;
}

/** A browser's page load (not a script or an API client): it is answered with pages. */
const wantsPage = (req: FastifyRequest) => (req.headers.accept ?? '').includes('text/html');

/**
 * Single sign-on with the institution's OpenID Connect provider. Both routes are top-level
 * browser navigations, so a refusal sends the browser to the sign-in page with the code
 * (`/signin?sso_error=CODE`, shown there as a sentence); other clients get the usual error body.
 */
export async function oidcRoutes(app: FastifyInstance, opts: OidcRoutesOptions) {
  const r = zod(app);
  const tags = ['auth'];
  const rateLimit = { max: opts.loginRateLimitPerMinute, timeWindow: 60_000 };
  const redirect = z.null().describe('Redirect (Location header)');

  const redirectUri = (req: FastifyRequest, oidc: OidcService) =>
    oidc.settings.redirectUri ?? `${req.protocol}://${req.host}${OIDC_CALLBACK_PATH}`;

  /**
   * Every error of these routes, the framework's too (a malformed query, too many attempts):
   * a page load goes back to the sign-in page with its code; anything else is answered by the
   * server's error handler (rethrown to it).
   */
  const errorHandler = (error: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    // What the provider answered, for the operator (the client is told only the code).
    if (typeof error.cause === 'string') req.log.warn({ cause: error.cause }, error.message);
    if (!wantsPage(req)) throw error;
    const code =
      ssoCodeOf(error) ??
      (error.statusCode === 429
        ? 'RATE_LIMITED'
        : error.statusCode === 400
          ? 'SSO_STATE_INVALID'
          : 'SSO_FAILED');
    if (code === 'SSO_FAILED') req.log.error({ err: error }, 'single sign-on failed');
    return reply.redirect(`/signin?sso_error=${code}`, 303);
  };

  r.get(
    '/api/auth/oidc/start',
    {
      config: { auth: 'public', rateLimit },
      errorHandler,
      schema: {
        tags,
        summary: 'Start single sign-on: redirects to the institution’s sign-in page',
        response: { 302: redirect, ...responses({}), 503: ErrorBody },
      },
    },
    async (req, reply) => {
      if (!opts.oidc) throw ssoError('SSO_NOT_CONFIGURED');
      const { url, flow } = await opts.oidc.begin(redirectUri(req, opts.oidc));
      reply.setCookie(FLOW_COOKIE, encodeFlow(flow, Date.now()), {
        httpOnly: true,
        // Lax, not Strict: the provider's redirect back is a cross-site navigation.
        sameSite: 'lax',
        secure: opts.cookieSecure,
        path: FLOW_COOKIE_PATH,
        maxAge: FLOW_SECONDS,
      });
      return reply.redirect(url.href, 302);
    },
  );

  r.get(
    OIDC_CALLBACK_PATH,
    {
      config: { auth: 'public', rateLimit },
      errorHandler,
      schema: {
        tags,
        summary: 'Where the institution’s provider returns: signs in and redirects to the app',
        querystring: OidcCallbackQuery,
        response: { 303: redirect, ...responses({}), 503: ErrorBody },
      },
    },
    async (req, reply) => {
      if (!opts.oidc) throw ssoError('SSO_NOT_CONFIGURED');
      const flow = decodeFlow(req.cookies[FLOW_COOKIE], Date.now());
      // Spent whatever happens next: a sign-in is tried once.
      reply.clearCookie(FLOW_COOKIE, { path: FLOW_COOKIE_PATH });
      // The redirect URI as the provider knows it, with every parameter it sent.
      const callbackUrl = new URL(redirectUri(req, opts.oidc));
      callbackUrl.search = new URL(req.url, 'http://x').search;
      const signedIn = await opts.oidc.finish(callbackUrl, flow, {
        ip: req.ip,
        ...(req.headers['user-agent'] && { userAgent: req.headers['user-agent'] }),
      });
      // The session cookie exactly as a password sign-in sets it (http/auth/routes.ts).
      reply.setCookie(SESSION_COOKIE, signedIn.secret, {
        httpOnly: true,
        sameSite: 'strict',
        secure: opts.cookieSecure,
        path: '/',
        expires: signedIn.expiresAt,
      });
      return reply.redirect('/', 303);
    },
  );
}
