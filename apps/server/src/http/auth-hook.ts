import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../errors.js';
import type { AuthService } from '../services/accounts/auth.service.js';
import { safeEqual } from '../services/accounts/auth.service.js';
import type { RoutePolicy } from './route-policy.js';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'invigil_session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

async function authenticate(req: FastifyRequest, auth: AuthService) {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1])
      throw errors.unauthenticated('Malformed Authorization header; use Bearer <token>');
    const resolved = await auth.resolveToken(match[1]);
    if (!resolved) throw errors.unauthenticated('Invalid, expired or revoked API token');
    return resolved;
  }
  const secret = req.cookies[SESSION_COOKIE];
  return secret ? auth.resolveSession(secret) : undefined;
}

/**
 * Enforce each route's declared policy before its body is even parsed: authentication
 * (cookie or bearer token), a pending second factor or password change, role, token scope,
 * CSRF for cookie-authenticated mutations, and a recent second factor for step-up routes.
 */
export function registerAuthHook(app: FastifyInstance, auth: AuthService): void {
  app.addHook('onRequest', async (req) => {
    const policy: RoutePolicy | undefined = req.routeOptions.config.auth;
    if (policy === undefined) return; // not one of our API routes (static files, docs, 404)
    const resolved = await authenticate(req, auth);
    if (resolved) req.authn = resolved;
    if (policy === 'public') return;
    if (!resolved) throw errors.unauthenticated();
    const { actor } = resolved;
    if (actor.via === 'token') {
      if (policy.scope === null) throw errors.forbidden('API tokens cannot use this route');
      if (!actor.scopes?.includes(policy.scope)) throw errors.insufficientScope(policy.scope);
    }
    // Before the role check, so the answer says what to do rather than what is missing.
    // The second factor first: until it is proved, the password is all the caller has shown.
    const before = policy.beforeSecondFactor;
    if (resolved.secondFactor === 'verify' && before !== 'verify' && before !== 'both') {
      throw errors.secondFactorRequired();
    }
    if (resolved.mustChangePassword) {
      if (!policy.duringPasswordChange) throw errors.passwordChangeRequired();
    } else if (resolved.secondFactor === 'enrol' && before !== 'enrol' && before !== 'both') {
      throw errors.secondFactorEnrolmentRequired();
    }
    if (!policy.roles.includes(actor.role)) {
      throw errors.forbidden(`This needs one of the roles: ${policy.roles.join(', ')}`);
    }
    if (actor.via === 'cookie' && !SAFE_METHODS.has(req.method) && policy.csrf !== false) {
      const sent = req.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !resolved.csrfToken || !safeEqual(sent, resolved.csrfToken)) {
        throw errors.csrf();
      }
    }
    if (policy.stepUp && resolved.stepUpNeeded) throw errors.stepUpRequired();
  });
}
