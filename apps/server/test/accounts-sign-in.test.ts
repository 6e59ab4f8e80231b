import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authSessions, signInThrottles } from '../src/db/schema.js';
import { throttleKeys } from '../src/services/accounts/sign-in-throttle.js';
import { insertUser } from '../src/services/accounts/users.service.js';
import { sha256, useAccountsServer } from './helpers/accounts-fixture.js';
import { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import {
  requestEngines,
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
} from './helpers/test-server.js';

/** Signing in and out: the session cookie, refusals, and the waits that slow a guesser. */
describe.each(requestEngines())('accounts on %s', (engine) => {
  const accounts = useAccountsServer(engine);
  const { account, login, audit } = accounts;
  // After the tests, before the server closes (after-hooks run last registered first).
  afterAll(() => accounts.expectNoSecretsInAudit());

  describe('sign-in', () => {
    it('signs in, returns the user and a CSRF token, and sets a strict session cookie', async () => {
      const user = await account();
      const res = await login(user.email.toUpperCase(), TEST_PASSWORD);
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ id: user.id, email: user.email, role: 'student' });
      expect(res.body.user).not.toHaveProperty('passwordHash');
      expect(typeof res.body.csrfToken).toBe('string');
      expect(res.body.csrfToken.length).toBeGreaterThanOrEqual(20);

      const cookie = res.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/^invigil_session=[^;]{20,};/);
      const attrs = cookie.split(';').map((a) => a.trim().toLowerCase());
      expect(attrs).toContain('httponly');
      expect(attrs).toContain('samesite=strict');
      expect(attrs).toContain('path=/');
      expect(attrs.some((a) => a.startsWith('expires='))).toBe(true);
      // http PUBLIC_URL in tests: a Secure cookie would be dropped by browsers.
      expect(attrs).not.toContain('secure');

      const client = new HttpClient(accounts.server.url);
      client.cookie = cookie.split(';')[0];
      const me = await client.get('/api/auth/me');
      expect(me.status).toBe(200);
      expect(me.body.user.id).toBe(user.id);
      expect(me.body.csrfToken).toBe(res.body.csrfToken);
    });

    it('stores only a hash of the session secret', async () => {
      const user = await account();
      const res = await login(user.email, TEST_PASSWORD);
      const secret = decodeURIComponent(
        (res.headers.get('set-cookie') ?? '').split(';')[0]?.split('=')[1] ?? '',
      );
      const rows = await accounts.server.instance.database.db
        .select()
        .from(authSessions)
        .where(eq(authSessions.userId, user.id));
      expect(rows).toHaveLength(1);
      expect(rows[0]?.id).toBe(sha256(secret));
      expect(JSON.stringify(rows)).not.toContain(secret);
    });

    it('refuses a wrong password and an unknown e-mail alike: 401 INVALID_CREDENTIALS', async () => {
      const user = await account();
      const wrong = await login(user.email, 'not the right password');
      expectError(wrong, 401, 'INVALID_CREDENTIALS');
      const unknown = await login('nobody-here@test.invigil.test', 'not the right password');
      expectError(unknown, 401, 'INVALID_CREDENTIALS');
      expect(unknown.body.message).toBe(wrong.body.message);
      expect(wrong.headers.get('set-cookie')).toBeNull();
      expect(unknown.headers.get('set-cookie')).toBeNull();
    });

    it('slows a guessing address with growing waits, never locking the owner out', async () => {
      const user = await account();
      const guesser = '203.0.113.9';
      for (let i = 1; i <= 4; i++) {
        expectError(await login(user.email, `wrong ${i}`, guesser), 401, 'INVALID_CREDENTIALS');
      }
      // The fourth failure started a 2-second wait there: even the right password waits.
      const waiting = await login(user.email, TEST_PASSWORD, guesser);
      expectError(waiting, 429, 'SIGN_IN_THROTTLED');
      expect(waiting.headers.get('retry-after')).toBe('2');
      expect(waiting.body.details.retryAfterSeconds).toBe(2);
      // The owner, elsewhere, is not kept out.
      expect((await login(user.email, TEST_PASSWORD, '198.51.100.7')).status).toBe(200);
      expect(await audit('auth.throttle', user.id)).toMatchObject([
        { data: { scope: 'address', ip: guesser } },
      ]);
      // After the wait, another failure doubles it (server clock).
      accounts.server.clock.advance(2_000);
      expectError(await login(user.email, 'wrong 5', guesser), 401, 'INVALID_CREDENTIALS');
      const longer = await login(user.email, TEST_PASSWORD, guesser);
      expect(longer.headers.get('retry-after')).toBe('4');
      accounts.server.clock.advance(4_000);
      // A success there forgets the failures.
      expect((await login(user.email, TEST_PASSWORD, guesser)).status).toBe(200);
      expectError(await login(user.email, 'wrong 6', guesser), 401, 'INVALID_CREDENTIALS');
      expect((await login(user.email, TEST_PASSWORD, guesser)).status).toBe(200);
    });

    it('answers an unknown account exactly as an existing one, waits included', async () => {
      const user = await account();
      const from = '203.0.113.20';
      const sequence = async (address: string) => {
        const out: string[] = [];
        for (let i = 0; i < 5; i++) {
          const res = await login(address, `wrong ${i}`, from);
          out.push(`${res.status} ${res.body.code} ${res.headers.get('retry-after') ?? '-'}`);
        }
        return out;
      };
      const existing = await sequence(user.email);
      const unknown = await sequence('nobody-at-all@test.invigil.test');
      expect(unknown).toEqual(existing);
      expect(existing.at(-1)).toBe('429 SIGN_IN_THROTTLED 2');
    });

    it('counts every one of many wrong passwords sent at once', async () => {
      const user = await account();
      const from = '203.0.113.30';
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => login(user.email, `parallel wrong ${i}`, from)),
      );
      const wrong = answers.filter((a) => a.status === 401).length;
      expect(wrong + answers.filter((a) => a.status === 429).length).toBe(10);
      const [row] = await accounts.server.instance.database.db
        .select()
        .from(signInThrottles)
        .where(eq(signInThrottles.key, throttleKeys(user.email, from).pair));
      expect(row?.failures).toBe(wrong);
      expect(wrong).toBeGreaterThanOrEqual(4);
      expect(await audit('auth.sign_in_failed', user.id)).toHaveLength(10);
    });

    it('slows an account guessed at from many addresses, except in a browser it signed in from', async () => {
      const user = await account();
      const first = await login(user.email, TEST_PASSWORD, '198.51.100.50');
      const device = (first.headers.get('set-cookie') ?? '')
        .split(/,(?=\s*invigil_)/)
        .find((c) => c.trim().startsWith('invigil_device='));
      expect(device).toMatch(/HttpOnly/i);
      expect(device).toMatch(/Path=\/api\/auth/);
      const deviceCookie = device!.trim().split(';')[0]!;
      // One wrong guess from each of 13 addresses: over the account-wide 12.
      for (let i = 0; i < 13; i++) {
        expectError(
          await login(user.email, 'wrong', `203.0.113.${100 + i}`),
          401,
          'INVALID_CREDENTIALS',
        );
      }
      expectError(
        await login(user.email, TEST_PASSWORD, '198.51.100.60'),
        429,
        'SIGN_IN_THROTTLED',
      );
      expect(await audit('auth.throttle', user.id)).toMatchObject([{ data: { scope: 'account' } }]);
      // The browser that signed in before is not slowed, from wherever it connects.
      const known = await login(user.email, TEST_PASSWORD, '198.51.100.61', deviceCookie);
      expect(known.status, JSON.stringify(known.body)).toBe(200);
    });

    it('sign-out revokes the session on the server, not just the cookie', async () => {
      const user = await account();
      const a = new HttpClient(accounts.server.url);
      await a.login(user.email, TEST_PASSWORD);
      const b = new HttpClient(accounts.server.url);
      await b.login(user.email, TEST_PASSWORD);
      const oldCookie = a.cookie;

      const out = await a.post('/api/auth/logout');
      expect(out.status).toBe(200);
      expect(out.body).toEqual({ ok: true });
      const cleared = out.headers.get('set-cookie') ?? '';
      expect(cleared).toMatch(/^invigil_session=;/);
      expect(cleared.toLowerCase()).toMatch(/expires=thu, 01 jan 1970|max-age=0/);

      const replay = new HttpClient(accounts.server.url);
      replay.cookie = oldCookie;
      replay.csrfToken = a.csrfToken;
      expectError(await replay.get('/api/auth/me'), 401, 'UNAUTHENTICATED');
      expectError(await replay.post('/api/auth/logout'), 401, 'UNAUTHENTICATED');
      // Other sessions of the same user are untouched.
      expect((await b.get('/api/auth/me')).status).toBe(200);
    });
  });
});

describe.each(requestEngines())('sign-in rate limit on %s', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine, { loginRateLimitPerMinute: 3 });
  });
  afterAll(async () => server?.close());

  it('answers 429 RATE_LIMITED from the 4th attempt in a minute, even with the right password', async () => {
    const address = 'limited@test.invigil.test';
    await insertUser(server.instance.database.db, {
      email: address,
      name: 'Limited',
      role: 'student',
      password: TEST_PASSWORD,
    });
    const attempt = (password: string) =>
      server.anonymous().post('/api/auth/login', { email: address, password });
    for (let i = 0; i < 3; i++) {
      expectError(await attempt(`wrong password ${i}`), 401, 'INVALID_CREDENTIALS');
    }
    const limited = await attempt(TEST_PASSWORD);
    expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('set-cookie')).toBeNull();
    // Other routes are not affected.
    expect((await server.anonymous().get('/api/settings/public')).status).toBe(200);
  });
});
