import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  AuthSession,
  AuthSessionParams,
  ChangePasswordBody,
  LoginBody,
  MeResponse,
  Ok,
  PasswordResetConfirmBody,
  PasswordResetRequestBody,
  PublicSettings,
  type SecondFactorState,
  SignupBody,
} from '@invigil/contracts';
import type { AuthService, SignedIn } from '../../services/accounts/auth.service.js';
import type { PasswordResetService } from '../../services/accounts/password-reset.service.js';
import type { SignupService } from '../../services/accounts/signup.service.js';
import type { UserAdminService } from '../../services/accounts/user-admin.service.js';
import { errors } from '../../errors.js';
import { SESSION_COOKIE } from '../auth-hook.js';
import { ANY_ROLE, actorOf } from '../route-policy.js';
import { responses, zod } from '../responses.js';

/** The cookie of a browser an account signed in from: its sign-ins skip the account-wide wait. */
export const DEVICE_COOKIE = 'invigil_device';
/** How long a browser stays known after the sign-in that made it known. */
const DEVICE_COOKIE_SECONDS = 365 * 24 * 60 * 60;

/** Who-am-I and sign-out answer a session whatever it still owes (password change, second factor). */
const BEFORE_ANYTHING_ELSE = {
  roles: ANY_ROLE,
  scope: null,
  duringPasswordChange: true,
  beforeSecondFactor: 'both',
} as const;

/** Options for the auth routes. */
export interface AuthRoutesOptions {
  users: UserAdminService;
  auth: AuthService;
  passwordResets: PasswordResetService;
  /** Self sign-up (signup.service.ts). */
  signup: SignupService;
  cookieSecure: boolean;
  loginRateLimitPerMinute: number;
  /** API token lifetimes in days, for the token form. */
  apiTokenDays: { default: number; max: number };
  /** Single sign-on as the sign-in page offers it (null: not configured). */
  sso: PublicSettings['sso'];
}

/** Sign-in, sign-up, sign-out, who-am-I, own sessions, password change and "forgot password". */
export async function authRoutes(app: FastifyInstance, opts: AuthRoutesOptions) {
  const r = zod(app);
  const tags = ['auth'];
  const rateLimit = { max: opts.loginRateLimitPerMinute, timeWindow: 60_000 };
  const meta = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] });
  // The known-browser cookie: only the sign-in route reads it, so its path is the auth API.
  const setDeviceCookie = (reply: FastifyReply, token: string) =>
    reply.setCookie(DEVICE_COOKIE, token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: opts.cookieSecure,
      path: '/api/auth',
      maxAge: DEVICE_COOKIE_SECONDS,
    });

  const me = async (
    userId: string,
    csrfToken: string,
    secondFactor: SecondFactorState | null = null,
  ): Promise<MeResponse> => {
    const user = await opts.users.byId(userId);
    if (!user) throw errors.unauthenticated();
    const mustChangePassword = await opts.users.mustChangePassword(userId);
    return { user, csrfToken, mustChangePassword, secondFactor };
  };
  const setCookie = (reply: FastifyReply, s: SignedIn) =>
    reply.setCookie(SESSION_COOKIE, s.secret, {
      httpOnly: true,
      sameSite: 'strict',
      secure: opts.cookieSecure,
      path: '/',
      expires: s.expiresAt,
    });

  r.get(
    '/api/settings/public',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'Settings the sign-in page needs',
        response: responses({ 200: PublicSettings }),
      },
    },
    async () => ({
      signupEnabled: (await opts.users.signupSettings()).enabled,
      passwordReset: opts.passwordResets.offer,
      apiTokenDays: opts.apiTokenDays,
      sso: opts.sso,
    }),
  );

  r.post(
    '/api/auth/login',
    {
      config: { auth: 'public', rateLimit },
      schema: {
        tags,
        summary: 'Sign in with e-mail and password',
        body: LoginBody,
        response: responses({ 200: MeResponse }),
      },
    },
    async (req, reply) => {
      const signedIn = await opts.auth.login(req.body.email, req.body.password, {
        ...meta(req),
        deviceToken: req.cookies[DEVICE_COOKIE],
      });
      setCookie(reply, signedIn);
      if (signedIn.deviceToken) setDeviceCookie(reply, signedIn.deviceToken);
      // What the new session owes (a second factor to prove or set up), as every request sees it.
      const opened = await opts.auth.resolveSession(signedIn.secret);
      return me(signedIn.userId, signedIn.csrfToken, opened?.secondFactor ?? null);
    },
  );

  r.post(
    '/api/auth/signup',
    {
      config: { auth: 'public', rateLimit },
      schema: {
        tags,
        summary:
          'Create a student account (when self sign-up is enabled); it verifies its e-mail address, or waits for an admin, before it may take exams',
        body: SignupBody,
        response: responses({ 201: MeResponse }),
      },
    },
    async (req, reply) => {
      const signedIn = await opts.signup.signup(req.body, meta(req));
      setCookie(reply, signedIn);
      return reply.status(201).send(await me(signedIn.userId, signedIn.csrfToken));
    },
  );

  r.get(
    '/api/auth/me',
    {
      config: { auth: BEFORE_ANYTHING_ELSE },
      schema: {
        tags,
        summary: 'The signed-in user and CSRF token',
        response: responses({ 200: MeResponse }),
      },
    },
    async (req) =>
      me(actorOf(req).userId, req.authn?.csrfToken ?? '', req.authn?.secondFactor ?? null),
  );

  r.post(
    '/api/auth/logout',
    {
      config: { auth: BEFORE_ANYTHING_ELSE },
      schema: {
        tags,
        summary: 'Sign out (revokes this session)',
        response: responses({ 200: Ok }),
      },
    },
    async (req, reply) => {
      if (req.authn?.sessionId) await opts.auth.logout(req.authn.sessionId);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true as const };
    },
  );

  r.post(
    '/api/auth/password',
    {
      config: { auth: { roles: ANY_ROLE, scope: null, duringPasswordChange: true }, rateLimit },
      schema: {
        tags,
        summary: 'Change your password (signs out your other sessions)',
        body: ChangePasswordBody,
        response: responses({ 200: Ok }),
      },
    },
    async (req) => {
      await opts.auth.changePassword(
        actorOf(req),
        req.authn?.sessionId,
        req.body.currentPassword,
        req.body.newPassword,
      );
      return { ok: true as const };
    },
  );

  r.get(
    '/api/auth/sessions',
    {
      config: { auth: { roles: ANY_ROLE, scope: null } },
      schema: {
        tags,
        summary: 'Your signed-in sessions (browsers), the calling one marked current',
        response: responses({ 200: z.array(AuthSession) }),
      },
    },
    async (req) => opts.auth.listSessions(actorOf(req).userId, req.authn?.sessionId),
  );

  r.delete(
    '/api/auth/sessions/:id',
    {
      config: { auth: { roles: ANY_ROLE, scope: null } },
      schema: {
        tags,
        summary: 'Sign one of your sessions out (the calling one: you are signed out)',
        params: AuthSessionParams,
        response: responses({ 200: Ok }),
      },
    },
    async (req, reply) => {
      const { current } = await opts.auth.revokeSession(
        actorOf(req),
        req.params.id,
        req.authn?.sessionId,
      );
      if (current) reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true as const };
    },
  );

  r.post(
    '/api/auth/password-reset',
    {
      config: { auth: 'public', rateLimit },
      schema: {
        tags,
        summary: 'Ask for a password reset link by e-mail (202 whether or not the account exists)',
        body: PasswordResetRequestBody,
        response: responses({ 202: Ok }),
      },
    },
    async (req, reply) => {
      // Answered before anything is looked up: the same answer, as fast, for every address.
      opts.passwordResets.request(req.body.email, meta(req));
      return reply.status(202).send({ ok: true as const });
    },
  );

  r.post(
    '/api/auth/password-reset/confirm',
    {
      config: { auth: 'public', rateLimit },
      schema: {
        tags,
        summary: 'Set a new password with a reset link (signs the account out everywhere)',
        body: PasswordResetConfirmBody,
        response: responses({ 200: Ok }),
      },
    },
    async (req) => {
      await opts.passwordResets.confirm(req.body.token, req.body.password, meta(req));
      return { ok: true as const };
    },
  );
}
