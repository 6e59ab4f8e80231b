import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenScope } from '@invigil/contracts';
import { gradableSessions } from './helpers/authz-matrix/attempts.js';
import { areaRows } from './helpers/authz-matrix/areas.js';
import { MatrixFixture } from './helpers/authz-matrix/fixture.js';
import { testRows } from './helpers/authz-matrix/row.js';
import type { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import { requestEngines, TEST_PASSWORD } from './helpers/test-server.js';

/**
 * The authorization matrix (every route × every kind of caller → the expected outcome; the
 * letters are in helpers/authz-matrix/outcomes.ts) for public routes, sign-in, accounts,
 * second factors and API tokens; then how API tokens, disabled accounts and forged cookies
 * are treated on any route.
 */
describe.each(requestEngines())('authorization matrix: accounts on %s', (engine) => {
  const f = new MatrixFixture(engine);
  beforeAll(() => f.start());
  afterAll(() => f.close());

  testRows(f, areaRows(f, 'accounts'));

  describe('API tokens', () => {
    it('needs the route’s scope: 403 INSUFFICIENT_SCOPE names it', async () => {
      const res = await f
        .clientFor(f.creds.proctorToken)
        .get(`/api/exams/${f.examA}/registrations`);
      expectError(res, 403, 'INSUFFICIENT_SCOPE');
      expect(res.body.details).toEqual({ scope: 'registrations:read' });
      const write = await f
        .clientFor(f.creds.proctorToken)
        .post(`/api/sessions/${f.sessionId}/transitions`, { to: 'checking_in' });
      expectError(write, 403, 'INSUFFICIENT_SCOPE');
    });

    it('grading and every score release need sessions:write (they act on attempts)', async () => {
      const tokenWith = async (scopes: TokenScope[]) => {
        const res = await f.users.instructorA.post('/api/tokens', { name: 'grading', scopes });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        return f.clientFor({ bearer: res.body.token });
      };
      const g = await gradableSessions(f);
      const calls = (c: HttpClient) => [
        () => c.put(`${g.path}/answers/${g.textId}/grade`, { points: 1 }),
        () => c.post(`${g.autoPath}/score/release`),
        () => c.post(`/api/exams/${f.examA}/scores/release`),
      ];
      const without = await tokenWith(['exams:read', 'exams:write', 'sessions:read']);
      for (const call of calls(without)) {
        const res = await call();
        expectError(res, 403, 'INSUFFICIENT_SCOPE');
        expect(res.body.details).toEqual({ scope: 'sessions:write' });
      }
      const only = await tokenWith(['sessions:write']);
      for (const call of calls(only)) {
        const res = await call();
        expect(res.status, JSON.stringify(res.body)).toBe(200);
      }
    });

    it('cannot use browser-only routes (/api/tokens, /api/auth/*), even with every scope', async () => {
      const admin = f.clientFor(f.creds.adminToken);
      for (const res of [
        await admin.get('/api/tokens'),
        await admin.post('/api/tokens', { name: 'minted by a token', scopes: ['exams:read'] }),
        await admin.delete(`/api/tokens/${f.spareTokenId}`),
        await admin.get('/api/auth/me'),
        await admin.post('/api/auth/logout'),
        await admin.post('/api/auth/password', {
          currentPassword: TEST_PASSWORD,
          newPassword: 'another long passphrase',
        }),
      ]) {
        expectError(res, 403, 'FORBIDDEN');
      }
      const tokens = await f.users.admin.get('/api/tokens');
      expect(tokens.body.find((t: { id: string }) => t.id === f.spareTokenId).revokedAt).toBeNull();
    });

    it('a revoked token answers 401', async () => {
      const created = await f.users.proctorA.post('/api/tokens', {
        name: 'short-lived',
        scopes: ['exams:read'],
      });
      const token = f.clientFor({ bearer: created.body.token });
      expect((await token.get(`/api/exams/${f.examA}`)).status).toBe(200);
      const revoked = await f.users.proctorA.delete(`/api/tokens/${created.body.apiToken.id}`);
      expect(revoked.status).toBe(200);
      expectError(await token.get(`/api/exams/${f.examA}`), 401, 'UNAUTHENTICATED');
      expectError(await token.get('/healthz'), 401, 'UNAUTHENTICATED');
    });

    it('a staff member cannot revoke someone else’s token (404)', async () => {
      expectError(await f.users.proctorX.delete(`/api/tokens/${f.spareTokenId}`), 404, 'NOT_FOUND');
      const tokens = await f.users.admin.get('/api/tokens');
      expect(tokens.body.find((t: { id: string }) => t.id === f.spareTokenId).revokedAt).toBeNull();
    });
  });

  it('a disabled user’s existing session and tokens answer 401', async () => {
    const victim = await f.server.signedIn('proctor', 'Soon Disabled');
    const token = await victim.post('/api/tokens', { name: 'victim', scopes: ['exams:read'] });
    expect(token.status).toBe(201);
    const bearer = f.clientFor({ bearer: token.body.token });
    expect((await victim.get('/api/auth/me')).status).toBe(200);
    expect((await bearer.get('/api/exams')).status).toBe(200);

    const disabled = await f.users.admin.patch(`/api/users/${victim.userId}`, { disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled).toBe(true);
    expectError(await victim.get('/api/auth/me'), 401, 'UNAUTHENTICATED');
    expectError(await victim.get('/api/exams'), 401, 'UNAUTHENTICATED');
    expectError(await bearer.get('/api/exams'), 401, 'UNAUTHENTICATED');
    const login = await f.server.anonymous().post('/api/auth/login', {
      email: victim.email,
      password: TEST_PASSWORD,
    });
    expectError(login, 403, 'ACCOUNT_DISABLED');
  });

  it('an unknown or forged session cookie is anonymous', async () => {
    const forged = f.clientFor({ cookie: 'invigil_session=forged', csrfToken: 'forged' });
    expectError(await forged.get('/api/auth/me'), 401, 'UNAUTHENTICATED');
    expect((await forged.get('/healthz')).status).toBe(200);
  });
});
