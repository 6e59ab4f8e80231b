import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { apiTokens, users } from '../src/db/schema.js';
import { NEW_PASSWORD, sha256, useAccountsServer } from './helpers/accounts-fixture.js';
import { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import { requestEngines, TEST_PASSWORD } from './helpers/test-server.js';

/** Credentials a user holds: changing their password, API tokens, and keeping both secret. */
describe.each(requestEngines())('accounts on %s', (engine) => {
  const accounts = useAccountsServer(engine);
  const { login, audit } = accounts;

  describe('password change', () => {
    it('needs the current password: 400 INVALID_CREDENTIALS', async () => {
      const user = await accounts.server.signedIn('student');
      const res = await user.post('/api/auth/password', {
        currentPassword: 'not my password at all',
        newPassword: NEW_PASSWORD,
      });
      expectError(res, 400, 'INVALID_CREDENTIALS');
      expect((await login(user.email, TEST_PASSWORD)).status).toBe(200);
    });

    it('refuses weak passwords: 400 WEAK_PASSWORD listing the problems', async () => {
      const user = await accounts.server.signedIn('student');
      const local = user.email.split('@')[0] ?? '';
      for (const weak of ['short', 'password1234', 'aaaaaaaaaaaaaaaa', `my ${local} password`]) {
        const res = await user.post('/api/auth/password', {
          currentPassword: TEST_PASSWORD,
          newPassword: weak,
        });
        expectError(res, 400, 'WEAK_PASSWORD');
        expect(Array.isArray(res.body.details.problems), weak).toBe(true);
        expect(res.body.details.problems.length, weak).toBeGreaterThan(0);
      }
      const tooLong = await user.post('/api/auth/password', {
        currentPassword: TEST_PASSWORD,
        newPassword: 'x'.repeat(257),
      });
      expectError(tooLong, 400);
      expect((await login(user.email, TEST_PASSWORD)).status).toBe(200);
    });

    it('changes the password, signs out other sessions and keeps this one', async () => {
      const user = await accounts.server.signedIn('proctor');
      const other = new HttpClient(accounts.server.url);
      await other.login(user.email, TEST_PASSWORD);
      const token = await user.post('/api/tokens', { name: 'survives', scopes: ['exams:read'] });

      const res = await user.post('/api/auth/password', {
        currentPassword: TEST_PASSWORD,
        newPassword: NEW_PASSWORD,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect((await user.get('/api/auth/me')).status).toBe(200);
      expectError(await other.get('/api/auth/me'), 401, 'UNAUTHENTICATED');
      expectError(await login(user.email, TEST_PASSWORD), 401, 'INVALID_CREDENTIALS');
      expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);
      // API tokens are not sessions; they stay valid until revoked.
      const bearer = Object.assign(new HttpClient(accounts.server.url), {
        bearer: token.body.token,
      });
      expect((await bearer.get('/api/exams')).status).toBe(200);

      const [row] = await accounts.server.instance.database.db
        .select()
        .from(users)
        .where(eq(users.id, user.userId));
      expect(row?.passwordHash).toMatch(/^\$argon2id\$/);
      expect(row?.passwordHash).not.toContain(NEW_PASSWORD);
      const entries = await audit('auth.password.change', user.userId);
      expect(entries).toHaveLength(1);
      expect(JSON.stringify(entries)).not.toContain(NEW_PASSWORD);
    });
  });

  describe('API tokens', () => {
    it('shows the secret once and stores only its hash', async () => {
      const proctor = await accounts.server.signedIn('proctor');
      const res = await proctor.post('/api/tokens', {
        name: 'LMS sync',
        scopes: ['exams:read', 'sessions:read', 'exams:read'],
        expiresInDays: 30,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const secret = res.body.token as string;
      expect(secret).toMatch(/^inv_[A-Za-z0-9_-]{40,}$/);
      expect(res.body.apiToken).toMatchObject({
        name: 'LMS sync',
        scopes: ['exams:read', 'sessions:read'],
        revokedAt: null,
        lastUsedAt: null,
      });
      const expires = Date.parse(res.body.apiToken.expiresAt);
      const expected = accounts.server.clock.now().getTime() + 30 * 86_400_000;
      expect(Math.abs(expires - expected)).toBeLessThan(60_000);

      const listed = await proctor.get('/api/tokens');
      expect(listed.status).toBe(200);
      expect(listed.body).toHaveLength(1);
      expect(listed.body[0]).not.toHaveProperty('token');
      expect(JSON.stringify(listed.body)).not.toContain(secret);

      const rows = await accounts.server.instance.database.db
        .select()
        .from(apiTokens)
        .where(eq(apiTokens.userId, proctor.userId));
      expect(rows).toHaveLength(1);
      expect(rows[0]?.tokenHash).toBe(sha256(secret));
      expect(JSON.stringify(rows)).not.toContain(secret);
      expect(JSON.stringify(rows)).not.toContain(secret.slice(4));

      const entries = await audit('token.create', res.body.apiToken.id);
      expect(entries).toHaveLength(1);
      expect(entries[0]?.actorId).toBe(proctor.userId);
      expect(JSON.stringify(entries)).not.toContain(secret);
    });

    it('works as a bearer token, records its use, and stops working once revoked', async () => {
      const proctor = await accounts.server.signedIn('proctor');
      const created = await proctor.post('/api/tokens', { name: 'ci', scopes: ['exams:read'] });
      const id = created.body.apiToken.id as string;
      const bearer = Object.assign(new HttpClient(accounts.server.url), {
        bearer: created.body.token,
      });
      expect((await bearer.get('/api/exams')).status).toBe(200);
      const used = (await proctor.get('/api/tokens')).body.find((t: { id: string }) => t.id === id);
      expect(used.lastUsedAt).not.toBeNull();

      const revoked = await proctor.delete(`/api/tokens/${id}`);
      expect(revoked.status).toBe(200);
      expect(revoked.body).toEqual({ ok: true });
      expectError(await bearer.get('/api/exams'), 401, 'UNAUTHENTICATED');
      const after = (await proctor.get('/api/tokens')).body.find(
        (t: { id: string }) => t.id === id,
      );
      expect(after.revokedAt).not.toBeNull();
      // Revoking again is harmless, and audited once.
      expect((await proctor.delete(`/api/tokens/${id}`)).status).toBe(200);
      expect(await audit('token.revoke', id)).toHaveLength(1);
      expectError(await proctor.delete(`/api/tokens/${crypto.randomUUID()}`), 404, 'NOT_FOUND');
    });

    it('students cannot have tokens; staff cannot grant more than their role', async () => {
      const student = await accounts.server.signedIn('student');
      expectError(
        await student.post('/api/tokens', { name: 'mine', scopes: ['registrations:read'] }),
        403,
        'FORBIDDEN',
      );
      expectError(await student.get('/api/tokens'), 403, 'FORBIDDEN');

      const proctor = await accounts.server.signedIn('proctor');
      for (const scopes of [['users:write'], ['exams:read', 'users:read'], ['exams:write']]) {
        const res = await proctor.post('/api/tokens', { name: 'too much', scopes });
        expectError(res, 403, 'FORBIDDEN');
      }
      const instructor = await accounts.server.signedIn('instructor');
      expectError(
        await instructor.post('/api/tokens', { name: 'x', scopes: ['users:read'] }),
        403,
        'FORBIDDEN',
      );
      expect((await proctor.get('/api/tokens')).body).toEqual([]);

      const ok = await accounts.admin.post('/api/tokens', {
        name: 'provisioning',
        scopes: ['users:write'],
      });
      expect(ok.status).toBe(201);
    });
  });

  it('only admins read the audit log', async () => {
    const limited = await accounts.admin.get('/api/audit?limit=2');
    expect(limited.status).toBe(200);
    expect(limited.body).toHaveLength(2);
    expect(limited.body[0].id).toBeGreaterThan(limited.body[1].id);
    const proctor = await accounts.server.signedIn('proctor');
    expectError(await proctor.get('/api/audit'), 403, 'FORBIDDEN');
    expectError(await accounts.server.anonymous().get('/api/audit'), 401, 'UNAUTHENTICATED');
    // Secrets never reach the audit log.
    await accounts.expectNoSecretsInAudit();
  });

  // Last on this server: moving the clock a day ahead also expires every session.
  it('an expired token answers 401', async () => {
    const proctor = await accounts.server.signedIn('proctor');
    const created = await proctor.post('/api/tokens', {
      name: 'one day',
      scopes: ['exams:read'],
      expiresInDays: 1,
    });
    const bearer = Object.assign(new HttpClient(accounts.server.url), {
      bearer: created.body.token,
    });
    expect((await bearer.get('/api/exams')).status).toBe(200);
    accounts.server.clock.advance(25 * 3_600_000);
    expectError(await bearer.get('/api/exams'), 401, 'UNAUTHENTICATED');
    expectError(await proctor.get('/api/auth/me'), 401, 'UNAUTHENTICATED');
  });
});
