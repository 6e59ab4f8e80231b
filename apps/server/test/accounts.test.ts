import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokens, authSessions, signInThrottles, users } from '../src/db/schema.js';
import { throttleKeys } from '../src/services/accounts/sign-in-throttle.js';
import { insertUser } from '../src/services/accounts/users.service.js';
import { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import {
  requestEngines,
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
} from './helpers/test-server.js';

const LOCK_MINUTES = 15;
const NEW_PASSWORD = 'a brand new long passphrase';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface AuditRow {
  action: string;
  actorId: string | null;
  entityId: string | null;
  data: Record<string, unknown>;
}

describe.each(requestEngines())('accounts on %s', (engine) => {
  let server: TestServer;
  let admin: Awaited<ReturnType<TestServer['signedIn']>>;
  let n = 0;
  const email = (label: string) => `${label}-${++n}@test.invigil.test`;

  /** A user created directly in the database (no sign-in), for credential tests. */
  async function account(role: 'student' | 'proctor' | 'instructor' | 'admin' = 'student') {
    const address = email(role);
    const row = await insertUser(server.instance.database.db, {
      email: address,
      name: `Account ${n}`,
      role,
      password: TEST_PASSWORD,
    });
    return { id: row.id, email: address };
  }

  const login = (address: string, password: string, from = '192.0.2.1', cookie?: string) =>
    server
      .anonymous()
      .request(
        'POST',
        '/api/auth/login',
        { email: address, password },
        { 'x-forwarded-for': from, ...(cookie && { cookie }) },
      );

  async function audit(action: string, entityId?: string): Promise<AuditRow[]> {
    const res = await admin.get('/api/audit?limit=1000');
    expect(res.status).toBe(200);
    return (res.body as AuditRow[]).filter(
      (e) => e.action === action && (entityId === undefined || e.entityId === entityId),
    );
  }

  beforeAll(async () => {
    server = await startTestServer(engine, {
      signInThrottle: { freeFailures: 3, maxDelayMs: LOCK_MINUTES * 60_000 },
      // Requests name their client address in X-Forwarded-For (one trusted proxy: the test).
      trustProxy: 1,
    });
    admin = await server.signedIn('admin', 'Accounts Admin');
  });
  afterAll(async () => server?.close());

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

      const client = new HttpClient(server.url);
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
      const rows = await server.instance.database.db
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
      server.clock.advance(2_000);
      expectError(await login(user.email, 'wrong 5', guesser), 401, 'INVALID_CREDENTIALS');
      const longer = await login(user.email, TEST_PASSWORD, guesser);
      expect(longer.headers.get('retry-after')).toBe('4');
      server.clock.advance(4_000);
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
      const [row] = await server.instance.database.db
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
      const a = new HttpClient(server.url);
      await a.login(user.email, TEST_PASSWORD);
      const b = new HttpClient(server.url);
      await b.login(user.email, TEST_PASSWORD);
      const oldCookie = a.cookie;

      const out = await a.post('/api/auth/logout');
      expect(out.status).toBe(200);
      expect(out.body).toEqual({ ok: true });
      const cleared = out.headers.get('set-cookie') ?? '';
      expect(cleared).toMatch(/^invigil_session=;/);
      expect(cleared.toLowerCase()).toMatch(/expires=thu, 01 jan 1970|max-age=0/);

      const replay = new HttpClient(server.url);
      replay.cookie = oldCookie;
      replay.csrfToken = a.csrfToken;
      expectError(await replay.get('/api/auth/me'), 401, 'UNAUTHENTICATED');
      expectError(await replay.post('/api/auth/logout'), 401, 'UNAUTHENTICATED');
      // Other sessions of the same user are untouched.
      expect((await b.get('/api/auth/me')).status).toBe(200);
    });
  });

  describe('password change', () => {
    it('needs the current password: 400 INVALID_CREDENTIALS', async () => {
      const user = await server.signedIn('student');
      const res = await user.post('/api/auth/password', {
        currentPassword: 'not my password at all',
        newPassword: NEW_PASSWORD,
      });
      expectError(res, 400, 'INVALID_CREDENTIALS');
      expect((await login(user.email, TEST_PASSWORD)).status).toBe(200);
    });

    it('refuses weak passwords: 400 WEAK_PASSWORD listing the problems', async () => {
      const user = await server.signedIn('student');
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
      const user = await server.signedIn('proctor');
      const other = new HttpClient(server.url);
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
      const bearer = Object.assign(new HttpClient(server.url), { bearer: token.body.token });
      expect((await bearer.get('/api/exams')).status).toBe(200);

      const [row] = await server.instance.database.db
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

  describe('self sign-up', () => {
    const signup = (address: string, extra: Record<string, unknown> = {}) =>
      server.anonymous().post('/api/auth/signup', {
        email: address,
        name: 'Self Signed',
        password: TEST_PASSWORD,
        ...extra,
      });

    it('is disabled by default: 403 SIGNUP_DISABLED', async () => {
      expect((await server.anonymous().get('/api/settings/public')).body).toEqual({
        signupEnabled: false,
        // No e-mail on this server: "forgot password" is not offered.
        passwordReset: null,
        apiTokenDays: { default: 90, max: 365 },
        sso: null,
      });
      expectError(await signup('early@uni.example'), 403, 'SIGNUP_DISABLED');
      expect((await admin.get('/api/settings/signup')).body).toEqual({
        enabled: false,
        allowedDomains: [],
      });
    });

    it('follows the admin’s domain list, creates students, refuses duplicates', async () => {
      const set = await admin.put('/api/settings/signup', {
        enabled: true,
        allowedDomains: ['Uni.Example', 'uni.example'],
      });
      expect(set.status, JSON.stringify(set.body)).toBe(200);
      expect(set.body).toEqual({ enabled: true, allowedDomains: ['uni.example'] });
      expect((await server.anonymous().get('/api/settings/public')).body).toEqual({
        signupEnabled: true,
        // No e-mail on this server: "forgot password" is not offered.
        passwordReset: null,
        apiTokenDays: { default: 90, max: 365 },
        sso: null,
      });
      const settingsAudit = await audit('settings.signup.update');
      expect(settingsAudit[0]?.actorId).toBe(admin.userId);

      for (const wrong of [
        'someone@other.example',
        'someone@evil-uni.example',
        'a@uni.example.evil.test',
      ]) {
        const res = await signup(wrong);
        expectError(res, 403, 'SIGNUP_DOMAIN_NOT_ALLOWED');
        expect(res.body.details).toEqual({ allowedDomains: ['uni.example'] });
      }

      const client = new HttpClient(server.url);
      const created = await client.post('/api/auth/signup', {
        email: 'Fresh.Student@Uni.Example',
        name: 'Fresh Student',
        password: TEST_PASSWORD,
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.user).toMatchObject({
        email: 'fresh.student@uni.example',
        role: 'student',
        disabled: false,
      });
      client.csrfToken = created.body.csrfToken;
      expect((await client.get('/api/auth/me')).body.user.id).toBe(created.body.user.id);
      expect(await audit('user.signup', created.body.user.id)).toHaveLength(1);

      const sub = await signup('dept.student@cs.uni.example');
      expect(sub.status, JSON.stringify(sub.body)).toBe(201);

      expectError(await signup('fresh.student@uni.example'), 409, 'EMAIL_TAKEN');
      expectError(await signup('FRESH.STUDENT@uni.example'), 409, 'EMAIL_TAKEN');
      expectError(await signup('weak@uni.example', { password: 'short' }), 400, 'WEAK_PASSWORD');
      // Nobody can sign themselves up as staff.
      expectError(await signup('boss@uni.example', { role: 'admin' }), 400, 'VALIDATION_FAILED');
      expectError(await login('boss@uni.example', TEST_PASSWORD), 401, 'INVALID_CREDENTIALS');

      const off = await admin.put('/api/settings/signup', { enabled: false, allowedDomains: [] });
      expect(off.status).toBe(200);
      expectError(await signup('late@uni.example'), 403, 'SIGNUP_DISABLED');
    });
  });

  describe('user administration', () => {
    it('creates users, refusing a duplicate e-mail (409 EMAIL_TAKEN)', async () => {
      const address = email('created');
      const res = await admin.post('/api/users', {
        email: address,
        name: 'Created User',
        role: 'instructor',
        password: TEST_PASSWORD,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body).toMatchObject({ email: address, role: 'instructor', disabled: false });
      expect(Object.keys(res.body).sort()).toEqual(
        [
          'createdAt',
          'disabled',
          'email',
          'id',
          'lastLoginAt',
          'name',
          'role',
          'signupPending',
        ].sort(),
      );
      expect((await login(address, TEST_PASSWORD)).status).toBe(200);
      expect(await audit('user.create', res.body.id)).toHaveLength(1);

      const dup = await admin.post('/api/users', {
        email: address.toUpperCase(),
        name: 'Again',
        role: 'student',
        password: TEST_PASSWORD,
      });
      expectError(dup, 409, 'EMAIL_TAKEN');
      const weak = await admin.post('/api/users', {
        email: email('weak'),
        name: 'Weak',
        role: 'student',
        password: 'short',
      });
      expectError(weak, 400, 'WEAK_PASSWORD');
    });

    it('imports CSV row by row, reporting each bad row and creating only the good ones', async () => {
      const existing = await account();
      const good1 = email('csv-good');
      const good2 = email('csv-good');
      const good3 = email('csv-good');
      const badRole = email('csv-badrole');
      const weak = email('csv-weak');
      const csv = [
        'Email,Name,Role,Password',
        `${good1},Good One,student,`,
        `${good2},Good Two,proctor,${NEW_PASSWORD}`,
        `${badRole},Bad Role,superuser,`,
        'not-an-email,Bad Email,student,',
        `${weak},Weak Password,student,short`,
        `${good1.toUpperCase()},Duplicate In File,student,`,
        `${existing.email},Already There,student,`,
        `${good3.toUpperCase()},"Three, Good",INSTRUCTOR,`,
      ].join('\n');
      const res = await admin.post('/api/users/import', { csv });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.created).toBe(3);
      expect(res.body.rejected).toBe(5);
      const rows = res.body.rows as {
        row: number;
        email: string | null;
        status: string;
        reason?: string;
        userId?: string;
      }[];
      expect(rows.map((r) => [r.row, r.status])).toEqual([
        [1, 'created'],
        [2, 'created'],
        [3, 'rejected'],
        [4, 'rejected'],
        [5, 'rejected'],
        [6, 'rejected'],
        [7, 'rejected'],
        [8, 'created'],
      ]);
      expect(rows[2]?.reason).toMatch(/role/i);
      expect(rows[3]?.reason).toMatch(/e-?mail/i);
      expect(rows[4]?.reason).toMatch(/characters/i);
      expect(rows[5]?.reason).toMatch(/duplicate/i);
      expect(rows[6]?.reason).toMatch(/already exists/i);
      for (const r of rows.filter((x) => x.status === 'created')) {
        expect(r.userId).toMatch(/^[0-9a-f-]{36}$/);
      }

      const listed = await admin.get('/api/users?q=csv-');
      const byEmail = new Map(
        (listed.body as { email: string; role: string; name: string }[]).map((u) => [u.email, u]),
      );
      expect(byEmail.get(good1)?.role).toBe('student');
      expect(byEmail.get(good2)?.role).toBe('proctor');
      expect(byEmail.get(good3)).toMatchObject({ role: 'instructor', name: 'Three, Good' });
      expect(byEmail.has(badRole)).toBe(false);
      expect(byEmail.has(weak)).toBe(false);
      expect((await login(good2, NEW_PASSWORD)).status).toBe(200);
      const existingRows = await server.instance.database.db
        .select()
        .from(users)
        .where(eq(users.email, existing.email));
      expect(existingRows).toHaveLength(1);
      expect(existingRows[0]?.name).not.toBe('Already There');
    });

    it('refuses a CSV without the required columns', async () => {
      const res = await admin.post('/api/users/import', {
        csv: 'email,role\na@b.example,student\n',
      });
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.details).toEqual({ missing: ['name'] });
      const empty = await admin.post('/api/users/import', { csv: 'email,name,role\n' });
      expectError(empty, 400, 'VALIDATION_FAILED');
    });

    it('an admin cannot disable or demote themselves (409), but can rename themselves', async () => {
      const disable = await admin.patch(`/api/users/${admin.userId}`, { disabled: true });
      expectError(disable, 409, 'CONFLICT');
      const demote = await admin.patch(`/api/users/${admin.userId}`, { role: 'student' });
      expectError(demote, 409, 'CONFLICT');
      expect((await admin.get('/api/auth/me')).body.user).toMatchObject({
        role: 'admin',
        disabled: false,
      });
      const rename = await admin.patch(`/api/users/${admin.userId}`, { name: 'Renamed Admin' });
      expect(rename.status).toBe(200);
      expect(rename.body.name).toBe('Renamed Admin');
      expectError(
        await admin.patch(`/api/users/${crypto.randomUUID()}`, { name: 'Ghost' }),
        404,
        'NOT_FOUND',
      );
    });

    it('disabling a user blocks their sign-in (403 ACCOUNT_DISABLED) and is audited', async () => {
      const user = await account('proctor');
      const before = await login(user.email, TEST_PASSWORD);
      const cookie = (before.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const res = await admin.patch(`/api/users/${user.id}`, { disabled: true });
      expect(res.status).toBe(200);
      expectError(await login(user.email, TEST_PASSWORD), 403, 'ACCOUNT_DISABLED');
      const [entry] = await audit('user.update', user.id);
      expect(entry).toMatchObject({ actorId: admin.userId, data: { disabled: true } });
      await admin.patch(`/api/users/${user.id}`, { disabled: false });
      // Enabling again does not bring back the sign-in that was open when it was disabled.
      const stale = await fetch(`${server.url}/api/auth/me`, { headers: { cookie } });
      expect(stale.status).toBe(401);
      expect((await login(user.email, TEST_PASSWORD)).status).toBe(200);
    });

    it('an admin sets a password: old sessions end, a sign-in wait lifts, weak ones are refused', async () => {
      const user = await account('student');
      const before = await login(user.email, TEST_PASSWORD);
      const cookie = (before.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      for (let i = 0; i < 4; i++) await login(user.email, 'wrong password attempt');
      expectError(await login(user.email, TEST_PASSWORD), 429, 'SIGN_IN_THROTTLED');

      const weak = await admin.post(`/api/users/${user.id}/password`, { password: 'short' });
      expectError(weak, 400, 'WEAK_PASSWORD');
      const set = await admin.post(`/api/users/${user.id}/password`, {
        password: 'a brand new passphrase',
      });
      expect(set.status).toBe(200);
      const stale = await fetch(`${server.url}/api/auth/me`, { headers: { cookie } });
      expect(stale.status).toBe(401);
      expect((await login(user.email, 'a brand new passphrase')).status).toBe(200);
      expect(await audit('user.password.set', user.id)).toHaveLength(1);
      expectError(
        await admin.post('/api/users/00000000-0000-4000-8000-000000000000/password', {
          password: 'a brand new passphrase',
        }),
        404,
        'NOT_FOUND',
      );
    });
  });

  describe('API tokens', () => {
    it('shows the secret once and stores only its hash', async () => {
      const proctor = await server.signedIn('proctor');
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
      const expected = server.clock.now().getTime() + 30 * 86_400_000;
      expect(Math.abs(expires - expected)).toBeLessThan(60_000);

      const listed = await proctor.get('/api/tokens');
      expect(listed.status).toBe(200);
      expect(listed.body).toHaveLength(1);
      expect(listed.body[0]).not.toHaveProperty('token');
      expect(JSON.stringify(listed.body)).not.toContain(secret);

      const rows = await server.instance.database.db
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
      const proctor = await server.signedIn('proctor');
      const created = await proctor.post('/api/tokens', { name: 'ci', scopes: ['exams:read'] });
      const id = created.body.apiToken.id as string;
      const bearer = Object.assign(new HttpClient(server.url), { bearer: created.body.token });
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
      const student = await server.signedIn('student');
      expectError(
        await student.post('/api/tokens', { name: 'mine', scopes: ['registrations:read'] }),
        403,
        'FORBIDDEN',
      );
      expectError(await student.get('/api/tokens'), 403, 'FORBIDDEN');

      const proctor = await server.signedIn('proctor');
      for (const scopes of [['users:write'], ['exams:read', 'users:read'], ['exams:write']]) {
        const res = await proctor.post('/api/tokens', { name: 'too much', scopes });
        expectError(res, 403, 'FORBIDDEN');
      }
      const instructor = await server.signedIn('instructor');
      expectError(
        await instructor.post('/api/tokens', { name: 'x', scopes: ['users:read'] }),
        403,
        'FORBIDDEN',
      );
      expect((await proctor.get('/api/tokens')).body).toEqual([]);

      const ok = await admin.post('/api/tokens', { name: 'provisioning', scopes: ['users:write'] });
      expect(ok.status).toBe(201);
    });
  });

  it('only admins read the audit log', async () => {
    const limited = await admin.get('/api/audit?limit=2');
    expect(limited.status).toBe(200);
    expect(limited.body).toHaveLength(2);
    expect(limited.body[0].id).toBeGreaterThan(limited.body[1].id);
    const proctor = await server.signedIn('proctor');
    expectError(await proctor.get('/api/audit'), 403, 'FORBIDDEN');
    expectError(await server.anonymous().get('/api/audit'), 401, 'UNAUTHENTICATED');
    // Secrets never reach the audit log.
    const all = JSON.stringify((await admin.get('/api/audit?limit=1000')).body);
    expect(all).not.toContain(TEST_PASSWORD);
    expect(all).not.toContain(NEW_PASSWORD);
    expect(all).not.toContain('inv_');
  });

  // Last on this server: moving the clock a day ahead also expires every session.
  it('an expired token answers 401', async () => {
    const proctor = await server.signedIn('proctor');
    const created = await proctor.post('/api/tokens', {
      name: 'one day',
      scopes: ['exams:read'],
      expiresInDays: 1,
    });
    const bearer = Object.assign(new HttpClient(server.url), { bearer: created.body.token });
    expect((await bearer.get('/api/exams')).status).toBe(200);
    server.clock.advance(25 * 3_600_000);
    expectError(await bearer.get('/api/exams'), 401, 'UNAUTHENTICATED');
    expectError(await proctor.get('/api/auth/me'), 401, 'UNAUTHENTICATED');
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
