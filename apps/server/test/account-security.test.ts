import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokens } from '../src/db/schema.js';
import { buildExam } from './helpers/factories.js';
import { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import {
  requestEngines,
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
} from './helpers/test-server.js';

const DAY = 86_400_000;
const NEW_PASSWORD = 'my very own new passphrase';

interface AuditRow {
  action: string;
  actorId: string | null;
  entityId: string | null;
  data: Record<string, unknown>;
}

describe.each(requestEngines())('account security on %s', (engine) => {
  let server: TestServer;
  let admin: Awaited<ReturnType<TestServer['signedIn']>>;

  const bearerOf = (token: string) => Object.assign(new HttpClient(server.url), { bearer: token });

  async function audit(action: string, entityId: string): Promise<AuditRow[]> {
    const res = await admin.get('/api/audit?limit=1000');
    expect(res.status).toBe(200);
    return (res.body as AuditRow[]).filter((e) => e.action === action && e.entityId === entityId);
  }

  beforeAll(async () => {
    server = await startTestServer(engine, { apiTokenDays: { default: 90, max: 365 } });
    admin = await server.signedIn('admin', 'Security Admin');
  });
  afterAll(async () => server?.close());

  describe('API token expiry', () => {
    it('lasts the default when not chosen, the days chosen up to the maximum, no longer', async () => {
      const proctor = await server.signedIn('proctor');
      const expectExpiry = (iso: string, days: number) =>
        expect(
          Math.abs(Date.parse(iso) - (server.clock.now().getTime() + days * DAY)),
        ).toBeLessThan(60_000);
      const byDefault = await proctor.post('/api/tokens', { name: 'd', scopes: ['exams:read'] });
      expect(byDefault.status).toBe(201);
      expectExpiry(byDefault.body.apiToken.expiresAt, 90);
      const longest = await proctor.post('/api/tokens', {
        name: 'm',
        scopes: ['exams:read'],
        expiresInDays: 365,
      });
      expect(longest.status).toBe(201);
      expectExpiry(longest.body.apiToken.expiresAt, 365);
      const tooLong = await proctor.post('/api/tokens', {
        name: 'x',
        scopes: ['exams:read'],
        expiresInDays: 366,
      });
      expectError(tooLong, 400, 'VALIDATION_FAILED');
      expect(tooLong.body.message).toMatch(/365 days/);
      const listed = (await proctor.get('/api/tokens')).body as { expiresAt: string }[];
      expect(listed).toHaveLength(2);
      for (const t of listed) expect(typeof t.expiresAt).toBe('string');
    });

    it('counts a token made before expiry existed as made for the longest allowed', async () => {
      const proctor = await server.signedIn('proctor');
      const made = await proctor.post('/api/tokens', { name: 'old', scopes: ['exams:read'] });
      const id = made.body.apiToken.id as string;
      const db = server.instance.database.db;
      const createdAt = new Date(server.clock.now().getTime() - 364 * DAY);
      await db.update(apiTokens).set({ createdAt, expiresAt: null }).where(eq(apiTokens.id, id));
      const listed = (await proctor.get('/api/tokens')).body as { id: string; expiresAt: string }[];
      expect(Date.parse(listed.find((t) => t.id === id)!.expiresAt)).toBe(
        createdAt.getTime() + 365 * DAY,
      );
      const bearer = bearerOf(made.body.token);
      expect((await bearer.get('/api/exams')).status).toBe(200);
      // A day later it is past the longest allowed.
      await db
        .update(apiTokens)
        .set({ createdAt: new Date(createdAt.getTime() - 2 * DAY) })
        .where(eq(apiTokens.id, id));
      const refused = await bearer.get('/api/exams');
      expectError(refused, 401, 'UNAUTHENTICATED');
      expect(refused.body.message).toMatch(/expired/);
    });
  });

  describe('token scopes follow the current role', () => {
    it('a demoted owner’s token loses the scopes the new role lacks; a disabled owner’s works no more', async () => {
      const instructor = await server.signedIn('instructor');
      const made = await instructor.post('/api/tokens', {
        name: 'authoring',
        scopes: ['exams:read', 'exams:write'],
      });
      expect(made.status).toBe(201);
      const bearer = bearerOf(made.body.token);
      const create = () => bearer.post('/api/exams', buildExam({ title: 'By token' }));
      expect((await create()).status).toBe(201);

      await admin.patch(`/api/users/${instructor.userId}`, { role: 'proctor' });
      const refused = await create();
      expectError(refused, 403, 'INSUFFICIENT_SCOPE');
      expect(refused.body.details).toEqual({ scope: 'exams:write' });
      expect((await bearer.get('/api/exams')).status).toBe(200);

      await admin.patch(`/api/users/${instructor.userId}`, { role: 'student' });
      expectError(await bearer.get('/api/exams'), 403, 'INSUFFICIENT_SCOPE');

      await admin.patch(`/api/users/${instructor.userId}`, { role: 'instructor' });
      expect((await create()).status).toBe(201);
      await admin.patch(`/api/users/${instructor.userId}`, { disabled: true });
      expectError(await bearer.get('/api/exams'), 401, 'UNAUTHENTICATED');
    });
  });

  describe('role changes and exam staff', () => {
    it('removes the assignments the new role does not fit, in the audit entry', async () => {
      const proctor = await server.signedIn('proctor');
      const examIds: string[] = [];
      for (const title of ['Staffed one', 'Staffed two']) {
        const exam = await admin.post('/api/exams', buildExam({ title }));
        expect(exam.status).toBe(201);
        examIds.push(exam.body.id);
        const put = await admin.put(`/api/exams/${exam.body.id}/staff/${proctor.userId}`, {
          role: 'proctor',
        });
        expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
      }
      const renamed = await admin.patch(`/api/users/${proctor.userId}`, { name: 'Renamed' });
      expect(renamed.status).toBe(200);
      expect((await admin.get(`/api/exams/${examIds[0]}/staff`)).body).toHaveLength(1);

      const res = await admin.patch(`/api/users/${proctor.userId}`, { role: 'student' });
      expect(res.status).toBe(200);
      for (const id of examIds) {
        expect((await admin.get(`/api/exams/${id}/staff`)).body).toEqual([]);
      }
      const entries = await audit('user.update', proctor.userId);
      const entry = entries.find((e) => e.data.role === 'student');
      expect(entry?.data.staffRemovedFrom).toEqual(expect.arrayContaining(examIds));
      expect(entry?.data.staffRemovedFrom).toHaveLength(2);
      // The rename removed nothing, and says nothing about it.
      expect(entries.find((e) => e.data.name === 'Renamed')?.data).not.toHaveProperty(
        'staffRemovedFrom',
      );
    });
  });

  describe('an admin-set password', () => {
    it('must be changed before anything else; changing it lifts the gate', async () => {
      const student = await server.signedIn('student');
      const set = await admin.post(`/api/users/${student.userId}/password`, {
        password: 'an admin chose this one',
      });
      expect(set.status).toBe(200);
      const user = new HttpClient(server.url);
      await user.login(student.email, 'an admin chose this one');
      const me = await user.get('/api/auth/me');
      expect(me.status).toBe(200);
      expect(me.body.mustChangePassword).toBe(true);
      expectError(await user.get('/api/exams'), 403, 'PASSWORD_CHANGE_REQUIRED');
      expectError(await user.get('/api/auth/sessions'), 403, 'PASSWORD_CHANGE_REQUIRED');
      // Public routes still answer.
      expect((await user.get('/api/settings/public')).status).toBe(200);

      const changed = await user.post('/api/auth/password', {
        currentPassword: 'an admin chose this one',
        newPassword: NEW_PASSWORD,
      });
      expect(changed.status).toBe(200);
      expect((await user.get('/api/auth/me')).body.mustChangePassword).toBe(false);
      expect((await user.get('/api/auth/sessions')).status).toBe(200);
      expect((await user.post('/api/auth/logout')).status).toBe(200);
    });

    it('still lets the user sign out while it is pending', async () => {
      const student = await server.signedIn('student');
      await admin.post(`/api/users/${student.userId}/password`, { password: 'set by an admin!!' });
      const user = new HttpClient(server.url);
      await user.login(student.email, 'set by an admin!!');
      expect((await user.post('/api/auth/logout')).status).toBe(200);
      expectError(await user.get('/api/auth/me'), 401, 'UNAUTHENTICATED');
    });
  });

  describe('own sessions', () => {
    it('lists the caller’s sessions without secrets and revokes one, audited', async () => {
      const proctor = await server.signedIn('proctor');
      const other = new HttpClient(server.url);
      await other.request(
        'POST',
        '/api/auth/login',
        { email: proctor.email, password: TEST_PASSWORD },
        { 'user-agent': 'Other Browser/1.0' },
      );
      const listed = await proctor.get('/api/auth/sessions');
      expect(listed.status).toBe(200);
      const sessions = listed.body as { id: string; current: boolean; userAgent: string | null }[];
      expect(sessions).toHaveLength(2);
      expect(sessions.filter((s) => s.current)).toHaveLength(1);
      const secretOf = (c: HttpClient) => c.cookie!.split('=')[1]!;
      for (const c of [proctor, other]) {
        const hash = createHash('sha256').update(secretOf(c)).digest('hex');
        expect(JSON.stringify(sessions)).not.toContain(hash);
        expect(JSON.stringify(sessions)).not.toContain(secretOf(c));
      }
      const theOther = sessions.find((s) => !s.current)!;
      expect(theOther.userAgent).toBe('Other Browser/1.0');

      // Someone else cannot see or revoke it.
      const stranger = await server.signedIn('proctor');
      const strangers = (await stranger.get('/api/auth/sessions')).body as { id: string }[];
      expect(strangers.map((s) => s.id)).not.toContain(theOther.id);
      expectError(await stranger.delete(`/api/auth/sessions/${theOther.id}`), 404, 'NOT_FOUND');
      expect((await other.get('/api/auth/me')).status).toBe(200);

      const revoked = await proctor.delete(`/api/auth/sessions/${theOther.id}`);
      expect(revoked.status).toBe(200);
      expectError(await other.get('/api/auth/me'), 401, 'UNAUTHENTICATED');
      expect((await proctor.get('/api/auth/sessions')).body).toHaveLength(1);
      expectError(await proctor.delete(`/api/auth/sessions/${theOther.id}`), 404, 'NOT_FOUND');
      const [entry] = await audit('auth.session.revoke', proctor.userId);
      expect(entry).toMatchObject({ actorId: proctor.userId, data: { current: false } });
      expectError(await proctor.delete('/api/auth/sessions/not-an-id'), 400, 'VALIDATION_FAILED');
    });

    it('revoking the current session signs the caller out', async () => {
      const student = await server.signedIn('student');
      const [own] = (await student.get('/api/auth/sessions')).body as { id: string }[];
      const res = await student.delete(`/api/auth/sessions/${own!.id}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('set-cookie') ?? '').toMatch(/invigil_session=;/);
      expectError(await student.get('/api/auth/me'), 401, 'UNAUTHENTICATED');
    });
  });

  // Last on this server: moving the clock expires sessions too.
  it('refuses an expired token as it refuses a revoked one, saying it expired', async () => {
    const proctor = await server.signedIn('proctor');
    const made = await proctor.post('/api/tokens', {
      name: 'short',
      scopes: ['exams:read'],
      expiresInDays: 2,
    });
    const bearer = bearerOf(made.body.token);
    expect((await bearer.get('/api/exams')).status).toBe(200);
    server.clock.advance(2 * DAY + 1000);
    const res = await bearer.get('/api/exams');
    expectError(res, 401, 'UNAUTHENTICATED');
    expect(res.body.message).toMatch(/expired/);
  });
});
