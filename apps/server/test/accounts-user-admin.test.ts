import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { users } from '../src/db/schema.js';
import { NEW_PASSWORD, useAccountsServer } from './helpers/accounts-fixture.js';
import { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import { requestEngines, TEST_PASSWORD } from './helpers/test-server.js';

/** Who may have an account: self sign-up by e-mail domain, and the admin's user management. */
describe.each(requestEngines())('accounts on %s', (engine) => {
  const accounts = useAccountsServer(engine);
  const { account, email, login, audit } = accounts;
  // After the tests, before the server closes (after-hooks run last registered first).
  afterAll(() => accounts.expectNoSecretsInAudit());

  describe('self sign-up', () => {
    const signup = (address: string, extra: Record<string, unknown> = {}) =>
      accounts.server.anonymous().post('/api/auth/signup', {
        email: address,
        name: 'Self Signed',
        password: TEST_PASSWORD,
        ...extra,
      });

    it('is disabled by default: 403 SIGNUP_DISABLED', async () => {
      expect((await accounts.server.anonymous().get('/api/settings/public')).body).toEqual({
        signupEnabled: false,
        // No e-mail on this server: "forgot password" is not offered.
        passwordReset: null,
        apiTokenDays: { default: 90, max: 365 },
        sso: null,
      });
      expectError(await signup('early@uni.example'), 403, 'SIGNUP_DISABLED');
      expect((await accounts.admin.get('/api/settings/signup')).body).toEqual({
        enabled: false,
        allowedDomains: [],
      });
    });

    it('follows the admin’s domain list, creates students, refuses duplicates', async () => {
      const set = await accounts.admin.put('/api/settings/signup', {
        enabled: true,
        allowedDomains: ['Uni.Example', 'uni.example'],
      });
      expect(set.status, JSON.stringify(set.body)).toBe(200);
      expect(set.body).toEqual({ enabled: true, allowedDomains: ['uni.example'] });
      expect((await accounts.server.anonymous().get('/api/settings/public')).body).toEqual({
        signupEnabled: true,
        // No e-mail on this server: "forgot password" is not offered.
        passwordReset: null,
        apiTokenDays: { default: 90, max: 365 },
        sso: null,
      });
      const settingsAudit = await audit('settings.signup.update');
      expect(settingsAudit[0]?.actorId).toBe(accounts.admin.userId);

      for (const wrong of [
        'someone@other.example',
        'someone@evil-uni.example',
        'a@uni.example.evil.test',
      ]) {
        const res = await signup(wrong);
        expectError(res, 403, 'SIGNUP_DOMAIN_NOT_ALLOWED');
        expect(res.body.details).toEqual({ allowedDomains: ['uni.example'] });
      }

      const client = new HttpClient(accounts.server.url);
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

      const off = await accounts.admin.put('/api/settings/signup', {
        enabled: false,
        allowedDomains: [],
      });
      expect(off.status).toBe(200);
      expectError(await signup('late@uni.example'), 403, 'SIGNUP_DISABLED');
    });
  });

  describe('user administration', () => {
    it('creates users, refusing a duplicate e-mail (409 EMAIL_TAKEN)', async () => {
      const address = email('created');
      const res = await accounts.admin.post('/api/users', {
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

      const dup = await accounts.admin.post('/api/users', {
        email: address.toUpperCase(),
        name: 'Again',
        role: 'student',
        password: TEST_PASSWORD,
      });
      expectError(dup, 409, 'EMAIL_TAKEN');
      const weak = await accounts.admin.post('/api/users', {
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
      const res = await accounts.admin.post('/api/users/import', { csv });
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

      const listed = await accounts.admin.get('/api/users?q=csv-');
      const byEmail = new Map(
        (listed.body as { email: string; role: string; name: string }[]).map((u) => [u.email, u]),
      );
      expect(byEmail.get(good1)?.role).toBe('student');
      expect(byEmail.get(good2)?.role).toBe('proctor');
      expect(byEmail.get(good3)).toMatchObject({ role: 'instructor', name: 'Three, Good' });
      expect(byEmail.has(badRole)).toBe(false);
      expect(byEmail.has(weak)).toBe(false);
      expect((await login(good2, NEW_PASSWORD)).status).toBe(200);
      const existingRows = await accounts.server.instance.database.db
        .select()
        .from(users)
        .where(eq(users.email, existing.email));
      expect(existingRows).toHaveLength(1);
      expect(existingRows[0]?.name).not.toBe('Already There');
    });

    it('refuses a CSV without the required columns', async () => {
      const res = await accounts.admin.post('/api/users/import', {
        csv: 'email,role\na@b.example,student\n',
      });
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.details).toEqual({ missing: ['name'] });
      const empty = await accounts.admin.post('/api/users/import', { csv: 'email,name,role\n' });
      expectError(empty, 400, 'VALIDATION_FAILED');
    });

    it('an admin cannot disable or demote themselves (409), but can rename themselves', async () => {
      const disable = await accounts.admin.patch(`/api/users/${accounts.admin.userId}`, {
        disabled: true,
      });
      expectError(disable, 409, 'CONFLICT');
      const demote = await accounts.admin.patch(`/api/users/${accounts.admin.userId}`, {
        role: 'student',
      });
      expectError(demote, 409, 'CONFLICT');
      expect((await accounts.admin.get('/api/auth/me')).body.user).toMatchObject({
        role: 'admin',
        disabled: false,
      });
      const rename = await accounts.admin.patch(`/api/users/${accounts.admin.userId}`, {
        name: 'Renamed Admin',
      });
      expect(rename.status).toBe(200);
      expect(rename.body.name).toBe('Renamed Admin');
      expectError(
        await accounts.admin.patch(`/api/users/${crypto.randomUUID()}`, { name: 'Ghost' }),
        404,
        'NOT_FOUND',
      );
    });

    it('disabling a user blocks their sign-in (403 ACCOUNT_DISABLED) and is audited', async () => {
      const user = await account('proctor');
      const before = await login(user.email, TEST_PASSWORD);
      const cookie = (before.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      const res = await accounts.admin.patch(`/api/users/${user.id}`, { disabled: true });
      expect(res.status).toBe(200);
      expectError(await login(user.email, TEST_PASSWORD), 403, 'ACCOUNT_DISABLED');
      const [entry] = await audit('user.update', user.id);
      expect(entry).toMatchObject({ actorId: accounts.admin.userId, data: { disabled: true } });
      await accounts.admin.patch(`/api/users/${user.id}`, { disabled: false });
      // Enabling again does not bring back the sign-in that was open when it was disabled.
      const stale = await fetch(`${accounts.server.url}/api/auth/me`, { headers: { cookie } });
      expect(stale.status).toBe(401);
      expect((await login(user.email, TEST_PASSWORD)).status).toBe(200);
    });

    it('an admin sets a password: old sessions end, a sign-in wait lifts, weak ones are refused', async () => {
      const user = await account('student');
      const before = await login(user.email, TEST_PASSWORD);
      const cookie = (before.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      for (let i = 0; i < 4; i++) await login(user.email, 'wrong password attempt');
      expectError(await login(user.email, TEST_PASSWORD), 429, 'SIGN_IN_THROTTLED');

      const weak = await accounts.admin.post(`/api/users/${user.id}/password`, {
        password: 'short',
      });
      expectError(weak, 400, 'WEAK_PASSWORD');
      const set = await accounts.admin.post(`/api/users/${user.id}/password`, {
        password: 'a brand new passphrase',
      });
      expect(set.status).toBe(200);
      const stale = await fetch(`${accounts.server.url}/api/auth/me`, { headers: { cookie } });
      expect(stale.status).toBe(401);
      expect((await login(user.email, 'a brand new passphrase')).status).toBe(200);
      expect(await audit('user.password.set', user.id)).toHaveLength(1);
      expectError(
        await accounts.admin.post('/api/users/00000000-0000-4000-8000-000000000000/password', {
          password: 'a brand new passphrase',
        }),
        404,
        'NOT_FOUND',
      );
    });
  });
});
