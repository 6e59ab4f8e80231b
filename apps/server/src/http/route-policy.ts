import type { Role, TokenScope } from '@invigil/contracts';
import type { Actor } from '../services/accounts/actor.js';
import type { ResolvedAuth } from '../services/accounts/auth.service.js';

/**
 * Who may call a route, declared beside each route in `config.auth`:
 * - `public`: anyone (sign-in, health, docs);
 * - otherwise the caller must be signed in with one of `roles`; an API token additionally
 *   needs `scope` (routes with `scope: null` are for browser sessions only). A session whose
 *   password an admin set reaches only `duringPasswordChange` routes.
 */
export type RoutePolicy =
  | 'public'
  | {
      roles: readonly Role[];
      scope: TokenScope | null;
      csrf?: boolean;
      /** Callable while an admin-set password awaits changing (who-am-I, sign-out, the change). */
      duringPasswordChange?: true;
      /**
       * Callable before the session's second factor is settled (mfa-gate.ts): `verify` while
       * it awaits proof (the verify routes), `enrol` while the role must set one up (the
       * enrolment routes), `both` (who-am-I, sign-out). Other routes answer 403.
       */
      beforeSecondFactor?: 'verify' | 'enrol' | 'both';
      /**
       * A sensitive change: a cookie session whose account has a second factor must have
       * proved it within the last 10 minutes (403 STEP_UP_REQUIRED otherwise). API tokens
       * pass (a proved session made them).
       */
      stepUp?: true;
    };

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RoutePolicy;
  }
  interface FastifyRequest {
    /** Set by the auth hook when the caller is authenticated. */
    authn?: ResolvedAuth;
  }
}

/** Every role. */
export const ANY_ROLE: readonly Role[] = ['student', 'proctor', 'instructor', 'admin'];
/** Every staff role. */
export const STAFF: readonly Role[] = ['proctor', 'instructor', 'admin'];

/**
 * Reads of one session and what hangs off it (recording, events, flags): any signed-in role
 * (the service decides whose session it may be), tokens with sessions:read.
 */
export const SESSION_READ: RoutePolicy = { roles: ANY_ROLE, scope: 'sessions:read' };

/** The authenticated actor of a guarded route (the hook has already refused anonymous callers). */
export function actorOf(req: { authn?: ResolvedAuth }): Actor {
  if (!req.authn) throw new Error('actorOf called on an unguarded route');
  return req.authn.actor;
}
