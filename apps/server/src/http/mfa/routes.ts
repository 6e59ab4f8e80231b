import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  ConfirmTotpBody,
  IdParams,
  MfaEnrolled,
  MfaReset,
  MfaSettings,
  MfaStatus,
  Ok,
  RecoveryCodes,
  TotpEnrolment,
  VerifyCodeBody,
  WebAuthnOptions,
  WebAuthnRegisterBody,
  WebAuthnVerifyBody,
} from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { errors } from '../../errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { MfaCaller, MfaService } from '../../services/accounts/mfa.service.js';
import { resetSecondFactors } from '../../services/accounts/mfa-admin.js';
import { getMfaSettings, setMfaSettings } from '../../services/accounts/mfa-settings.js';
import type {
  RelyingParty,
  WebAuthnService,
} from '../../services/accounts/mfa-webauthn.service.js';
import { ANY_ROLE, actorOf, type RoutePolicy } from '../route-policy.js';
import { responses, zod } from '../responses.js';

/** Options for the second-factor routes. */
export interface MfaRoutesOptions {
  db: Db;
  clock: Clock;
  mfa: MfaService;
  webauthn: WebAuthnService;
  /** PUBLIC_URL: where passkeys are bound in production. */
  publicUrl: string;
  production: boolean;
  loginRateLimitPerMinute: number;
}

/**
 * Where passkeys are bound. In production: PUBLIC_URL's host and origin. Elsewhere the page's
 * own origin (the Origin header, else the Host), so a development server works at whatever
 * address it is opened.
 */
export function relyingParty(
  req: FastifyRequest,
  opts: Pick<MfaRoutesOptions, 'publicUrl' | 'production'>,
): RelyingParty {
  const origin = opts.production
    ? opts.publicUrl
    : (req.headers.origin ?? `${req.protocol}://${req.host}`);
  const url = new URL(origin);
  return { id: url.hostname, origin: url.origin };
}

/** Two-step sign-in: one's own factors, the sign-in step and step-up, and the admin policy. */
export async function mfaRoutes(app: FastifyInstance, opts: MfaRoutesOptions) {
  const r = zod(app);
  const tags = ['mfa'];
  const rateLimit = { max: opts.loginRateLimitPerMinute, timeWindow: 60_000 };
  // Own factors are browser-session business only (scope null): tokens never touch them.
  const any = (extra: Partial<Exclude<RoutePolicy, 'public'>>) => ({
    auth: { roles: ANY_ROLE, scope: null, ...extra } as RoutePolicy,
  });
  const status = any({ beforeSecondFactor: 'both', duringPasswordChange: true });
  // Adding a factor while one exists is a sensitive change (a stolen session must not add its own).
  const enrol = any({ beforeSecondFactor: 'enrol', stepUp: true });
  const verify = { ...any({ beforeSecondFactor: 'verify' }), rateLimit };
  const manage = any({ stepUp: true });
  const caller = (req: FastifyRequest): MfaCaller => {
    const sessionId = req.authn?.sessionId;
    if (!sessionId) throw errors.unauthenticated();
    return {
      actor: actorOf(req),
      sessionId,
      ip: req.ip,
      ...(req.authn?.secondFactor && { secondFactor: req.authn.secondFactor }),
    };
  };
  const rp = (req: FastifyRequest) => relyingParty(req, opts);

  r.get(
    '/api/auth/mfa',
    {
      config: status,
      schema: {
        tags,
        summary: 'Your second factors, recovery codes left, and what this session owes',
        response: responses({ 200: MfaStatus }),
      },
    },
    async (req) => opts.mfa.status(caller(req)),
  );

  r.post(
    '/api/auth/mfa/totp',
    {
      config: enrol,
      schema: {
        tags,
        summary: 'Start adding an authenticator app: a new secret with its QR code',
        response: responses({ 200: TotpEnrolment }),
      },
    },
    async (req) => opts.mfa.startTotp(caller(req)),
  );

  r.post(
    '/api/auth/mfa/totp/confirm',
    {
      config: enrol,
      schema: {
        tags,
        summary: 'Finish adding an authenticator app with its first code',
        description: 'With the first factor, the answer holds recovery codes: shown this once.',
        body: ConfirmTotpBody,
        response: responses({ 201: MfaEnrolled }),
      },
    },
    async (req, reply) =>
      reply
        .status(201)
        .send(await opts.mfa.confirmTotp(caller(req), req.body.code, req.body.label)),
  );

  r.post(
    '/api/auth/mfa/webauthn/register/options',
    {
      config: enrol,
      schema: {
        tags,
        summary: 'Options to create a passkey or security key (navigator.credentials.create)',
        response: responses({ 200: WebAuthnOptions }),
      },
    },
    async (req) => opts.webauthn.registrationOptions(caller(req), rp(req)),
  );

  r.post(
    '/api/auth/mfa/webauthn/register',
    {
      config: enrol,
      schema: {
        tags,
        summary: 'Add the passkey or security key just created',
        description: 'With the first factor, the answer holds recovery codes: shown this once.',
        body: WebAuthnRegisterBody,
        response: responses({ 201: MfaEnrolled }),
      },
    },
    async (req, reply) =>
      reply.status(201).send(await opts.webauthn.register(caller(req), rp(req), req.body)),
  );

  r.delete(
    '/api/auth/mfa/factors/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Remove one of your second factors',
        params: IdParams,
        response: responses({ 200: Ok }),
      },
    },
    async (req) => {
      await opts.mfa.removeFactor(caller(req), req.params.id);
      return { ok: true as const };
    },
  );

  r.post(
    '/api/auth/mfa/recovery-codes',
    {
      config: manage,
      schema: {
        tags,
        summary: 'New recovery codes (the old ones stop working); shown this once',
        response: responses({ 200: RecoveryCodes }),
      },
    },
    async (req) => ({ recoveryCodes: await opts.mfa.regenerateRecoveryCodes(caller(req)) }),
  );

  r.post(
    '/api/auth/mfa/verify',
    {
      config: verify,
      schema: {
        tags,
        summary: 'Prove your second factor with an authenticator or recovery code',
        description:
          'Completes sign-in, or renews a step-up (sensitive changes want a proof within 10 ' +
          'minutes). A wrong or reused code is 400 SECOND_FACTOR_INVALID; repeated failures ' +
          'wait like failed sign-ins (429 SIGN_IN_THROTTLED).',
        body: VerifyCodeBody,
        response: responses({ 200: Ok }),
      },
    },
    async (req) => {
      await opts.mfa.verifyCode(caller(req), req.body);
      return { ok: true as const };
    },
  );

  r.post(
    '/api/auth/mfa/webauthn/options',
    {
      config: verify,
      schema: {
        tags,
        summary: 'Options to prove your second factor with a passkey (navigator.credentials.get)',
        response: responses({ 200: WebAuthnOptions }),
      },
    },
    async (req) => opts.webauthn.authenticationOptions(caller(req), rp(req)),
  );

  r.post(
    '/api/auth/mfa/webauthn/verify',
    {
      config: verify,
      schema: {
        tags,
        summary: 'Prove your second factor with a passkey or security key',
        body: WebAuthnVerifyBody,
        response: responses({ 200: Ok }),
      },
    },
    async (req) => {
      await opts.webauthn.verify(caller(req), rp(req), req.body);
      return { ok: true as const };
    },
  );

  r.delete(
    '/api/users/:id/mfa',
    {
      config: { auth: { roles: ['admin'], scope: null, stepUp: true } },
      schema: {
        tags,
        summary: 'Remove every second factor of a user who lost them (not your own)',
        description:
          'The user then signs in with the password alone until setting one up again (at once, ' +
          'if their role must have one). Also removes their recovery codes.',
        params: IdParams,
        response: responses({ 200: MfaReset }),
      },
    },
    async (req) => ({
      removed: await resetSecondFactors(opts.db, actorOf(req), req.params.id, opts.clock.now()),
    }),
  );

  r.get(
    '/api/settings/mfa',
    {
      config: { auth: { roles: ['admin'], scope: 'users:read' } },
      schema: {
        tags,
        summary: 'Two-step sign-in policy',
        response: responses({ 200: MfaSettings }),
      },
    },
    async () => getMfaSettings(opts.db),
  );

  r.put(
    '/api/settings/mfa',
    {
      config: { auth: { roles: ['admin'], scope: null, stepUp: true } },
      schema: {
        tags,
        summary: 'Require (or stop requiring) a second factor of staff roles',
        description:
          'Requiring it needs your own second factor first (409 MFA_FACTOR_REQUIRED). Staff ' +
          'without one then reach only setting one up (403 SECOND_FACTOR_ENROLMENT_REQUIRED).',
        body: MfaSettings,
        response: responses({ 200: MfaSettings }),
      },
    },
    async (req) => setMfaSettings(opts.db, actorOf(req), req.body, opts.clock.now()),
  );
}
