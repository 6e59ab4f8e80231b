import { expect } from 'vitest';
import { HttpClient } from '../http-client.js';
import { TEST_PASSWORD } from '../test-server.js';
import { resetLinkSecret, verificationLinkSecret, waitingStudent } from './accounts.js';
import type { MatrixFixture } from './fixture.js';
import { COOKIE_CALLERS, STAFF_COOKIE_CALLERS, type UserCaller } from './outcomes.js';
import { fixed, type Row } from './row.js';

/** Public routes, sign-in, accounts, sign-up settings and API tokens. */
export function accountRows(f: MatrixFixture): Row[] {
  return [
    // callers an st os pA pX iA iX ad pT aT (letters: see outcomes.ts)
    {
      op: 'GET /healthz',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      prepare: fixed(() => '/healthz'),
    },
    {
      op: 'GET /readyz',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      prepare: fixed(() => '/readyz'),
    },
    {
      op: 'GET /api/openapi.json',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      prepare: fixed(() => '/api/openapi.json'),
    },
    {
      op: 'GET /api/settings/public',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      prepare: fixed(() => '/api/settings/public'),
    },
    {
      op: 'GET /api/auth/oidc/start',
      expect: 'O  O  O  O  O  O  O  O  O  O',
      prepare: fixed(() => '/api/auth/oidc/start'),
    },
    {
      op: 'GET /api/auth/oidc/callback',
      expect: 'O  O  O  O  O  O  O  O  O  O',
      prepare: fixed(() => '/api/auth/oidc/callback?code=c&state=s'),
    },
    {
      op: 'POST /api/auth/login',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      prepare: fixed(
        () => '/api/auth/login',
        () => ({ email: f.loginTarget.email, password: TEST_PASSWORD }),
      ),
    },
    {
      op: 'POST /api/auth/signup',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      prepare: async () => ({
        path: '/api/auth/signup',
        body: {
          email: `${f.unique('signup')}@uni.example`,
          name: 'New Student',
          password: TEST_PASSWORD,
        },
      }),
    },
    {
      op: 'GET /api/auth/me',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      prepare: fixed(() => '/api/auth/me'),
    },
    {
      op: 'POST /api/auth/logout',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      prepare: async (caller) => ({ path: '/api/auth/logout', as: await f.newSessionOf(caller) }),
    },
    {
      op: 'POST /api/auth/password',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      // Re-setting the same password keeps every fixture signed in and able to sign in again.
      prepare: fixed(
        () => '/api/auth/password',
        () => ({ currentPassword: TEST_PASSWORD, newPassword: TEST_PASSWORD }),
      ),
    },
    {
      op: 'GET /api/auth/sessions',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      prepare: fixed(() => '/api/auth/sessions'),
    },
    {
      op: 'DELETE /api/auth/sessions/{id}',
      expect: 'U  A  A  A  A  A  A  A  F  F',
      // Each cell signs a fresh session of its caller out (its own id, from its own listing).
      prepare: async (caller) => {
        if (!COOKIE_CALLERS.includes(caller as UserCaller)) {
          return { path: `/api/auth/sessions/${'0'.repeat(32)}` };
        }
        const c = new HttpClient(f.server.url);
        await c.login(f.users[caller as UserCaller].email, TEST_PASSWORD);
        const listed = await c.get('/api/auth/sessions');
        const own = (listed.body as { id: string; current: boolean }[]).find((s) => s.current);
        return { path: `/api/auth/sessions/${own?.id ?? ''}`, as: f.credsOf(c) };
      },
    },
    {
      op: 'POST /api/auth/password-reset',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      prepare: fixed(
        () => '/api/auth/password-reset',
        () => ({ email: f.resetTarget.email }),
      ),
    },
    {
      op: 'POST /api/auth/password-reset/confirm',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      // A fresh link per cell; the password set is the one the account already has.
      prepare: async () => ({
        path: '/api/auth/password-reset/confirm',
        body: { token: await resetLinkSecret(f), password: TEST_PASSWORD },
      }),
    },
    {
      op: 'POST /api/auth/verify-email',
      expect: 'A  A  A  A  A  A  A  A  A  A',
      // A browser's own link (one signed in to another account is refused); others any link.
      prepare: async (caller) => {
        const own = COOKIE_CALLERS.includes(caller as UserCaller);
        const userId = own ? f.users[caller as UserCaller].userId : f.patchTarget.userId;
        return {
          path: '/api/auth/verify-email',
          body: { token: await verificationLinkSecret(f, userId) },
        };
      },
    },
    {
      op: 'POST /api/auth/verify-email/resend',
      expect: 'U  A  A  F  F  F  F  F  F  F',
      // Students ask as an account of their own that waits for a link (no e-mail here: it
      // joins the approval queue).
      prepare: async (caller) => ({
        path: '/api/auth/verify-email/resend',
        ...(caller === 'student' || caller === 'otherStudent'
          ? { as: (await waitingStudent(f, 'email')).as }
          : {}),
      }),
    },
    {
      op: 'POST /api/users/{id}/approve',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: async (caller) => ({
        path: `/api/users/${caller === 'admin' || caller === 'adminToken' ? (await waitingStudent(f, 'approval')).userId : f.patchTarget.userId}/approve`,
      }),
    },
    {
      op: 'POST /api/users/{id}/reject',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: async (caller) => ({
        path: `/api/users/${caller === 'admin' || caller === 'adminToken' ? (await waitingStudent(f, 'approval')).userId : f.patchTarget.userId}/reject`,
      }),
    },
    {
      op: 'GET /api/users',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: fixed(() => '/api/users'),
    },
    {
      op: 'POST /api/users',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: async () => ({
        path: '/api/users',
        body: {
          email: `${f.unique('created')}@test.invigil.test`,
          name: 'Created',
          role: 'student',
          password: TEST_PASSWORD,
        },
      }),
    },
    {
      op: 'PATCH /api/users/{id}',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: fixed(
        () => `/api/users/${f.patchTarget.userId}`,
        () => ({ name: 'Renamed by the matrix' }),
      ),
    },
    {
      op: 'POST /api/users/{id}/password',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: fixed(
        () => `/api/users/${f.patchTarget.userId}/password`,
        () => ({ password: 'a brand new passphrase' }),
      ),
    },
    {
      op: 'POST /api/users/import',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: async () => ({
        path: '/api/users/import',
        body: {
          csv: `email,name,role\n${f.unique('imported')}@test.invigil.test,Imported,student\n`,
        },
      }),
    },
    {
      op: 'GET /api/settings/signup',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: fixed(() => '/api/settings/signup'),
    },
    {
      op: 'PUT /api/settings/signup',
      expect: 'U  F  F  F  F  F  F  A  S  A',
      prepare: fixed(
        () => '/api/settings/signup',
        () => ({ enabled: true, allowedDomains: [] }),
      ),
    },
    {
      op: 'GET /api/tokens',
      expect: 'U  F  F  A  A  A  A  A  F  F',
      prepare: fixed(() => '/api/tokens'),
    },
    {
      op: 'POST /api/tokens',
      expect: 'U  F  F  A  A  A  A  A  F  F',
      prepare: fixed(
        () => '/api/tokens',
        () => ({ name: 'matrix token', scopes: ['exams:read'] }),
      ),
    },
    {
      op: 'DELETE /api/tokens/{id}',
      expect: 'U  F  F  A  A  A  A  A  F  F',
      prepare: async (caller) => {
        if (!STAFF_COOKIE_CALLERS.includes(caller))
          return { path: `/api/tokens/${f.spareTokenId}` };
        const own = await f.users[caller as UserCaller].post('/api/tokens', {
          name: 'to revoke',
          scopes: ['exams:read'],
        });
        expect(own.status, JSON.stringify(own.body)).toBe(201);
        return { path: `/api/tokens/${own.body.apiToken.id}` };
      },
    },
  ];
}
