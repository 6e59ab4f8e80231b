import { and, eq } from 'drizzle-orm';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSealedValue } from '../src/crypto/master-keys.js';
import { auditLog, mfaFactors } from '../src/db/schema.js';
import { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import { documentedOperations, splitOperation } from './helpers/matrix-routes.js';
import {
  requestEngines,
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
} from './helpers/test-server.js';

/** The code an authenticator app shows for `secret` at `at`. */
const codeAt = (secret: string, at: Date) =>
  new TOTP({
    secret: Secret.fromBase32(secret),
    digits: 6,
    period: 30,
    algorithm: 'SHA1',
  }).generate({ timestamp: at.getTime() });

describe.each(requestEngines())('two-step sign-in on %s', (engine) => {
  let server: TestServer;

  /** The next 30-second step's code: every code works once, so each use moves the clock on. */
  const nextCode = (secret: string) => {
    server.clock.advance(30_000);
    return codeAt(secret, server.clock.now());
  };

  async function enrolTotp(c: HttpClient) {
    const start = await c.post('/api/auth/mfa/totp');
    expect(start.status, JSON.stringify(start.body)).toBe(200);
    expect(start.body.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(start.body.otpauthUri).toContain(`secret=${start.body.secret}`);
    const secret = start.body.secret as string;
    const done = await c.post('/api/auth/mfa/totp/confirm', {
      code: nextCode(secret),
      label: 'Phone',
    });
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    return {
      secret,
      factorId: done.body.factor.id as string,
      recoveryCodes: done.body.recoveryCodes as string[] | null,
    };
  }

  /** A new browser signing in with the password only. */
  async function signIn(email: string) {
    const c = new HttpClient(server.url);
    const res = await c.post('/api/auth/login', { email, password: TEST_PASSWORD });
    expect(res.status).toBe(200);
    c.csrfToken = res.body.csrfToken;
    return { client: c, secondFactor: res.body.secondFactor as string | null };
  }

  async function audits(action: string, userId: string) {
    return server.instance.database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, action), eq(auditLog.entityId, userId)));
  }

  beforeAll(async () => {
    server = await startTestServer(engine, {
      signInThrottle: { freeFailures: 2, maxDelayMs: 60_000 },
    });
  });
  afterAll(async () => server?.close());

  it('enrols an authenticator app: secret sealed, recovery codes once, audited', async () => {
    const proctor = await server.signedIn('proctor');
    const { factorId, recoveryCodes } = await enrolTotp(proctor);
    expect(recoveryCodes).toHaveLength(10);
    expect(recoveryCodes?.[0]).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    const status = await proctor.get('/api/auth/mfa');
    expect(status.body).toMatchObject({ recoveryCodesLeft: 10, secondFactor: null });
    expect(status.body.factors).toEqual([expect.objectContaining({ id: factorId, type: 'totp' })]);
    const [row] = await server.instance.database.db
      .select()
      .from(mfaFactors)
      .where(eq(mfaFactors.id, factorId));
    expect(isSealedValue(row?.totpSecret)).toBe(true);
    expect(await audits('mfa.enrol', proctor.userId)).toHaveLength(1);
    // A second app: no new recovery codes.
    const again = await enrolTotp(proctor);
    expect(again.recoveryCodes).toBeNull();
  });

  it('a password alone opens a session that answers only the second-factor step', async () => {
    const proctor = await server.signedIn('proctor');
    const { secret } = await enrolTotp(proctor);
    const { client, secondFactor } = await signIn(proctor.email);
    expect(secondFactor).toBe('verify');
    expectError(await client.get('/api/exams'), 403, 'SECOND_FACTOR_REQUIRED');
    expectError(await client.get('/api/auth/sessions'), 403, 'SECOND_FACTOR_REQUIRED');
    // Not even adding a factor of one's own (that would turn a stolen password into two factors).
    expectError(await client.post('/api/auth/mfa/totp'), 403, 'SECOND_FACTOR_REQUIRED');
    // The live socket is refused before any upgrade.
    expectError(
      await client.get(`/api/live?examId=${crypto.randomUUID()}`),
      403,
      'SECOND_FACTOR_REQUIRED',
    );
    expect((await client.get('/api/auth/me')).body.secondFactor).toBe('verify');
    expect((await client.get('/api/auth/mfa')).status).toBe(200);

    const wrong = await client.post('/api/auth/mfa/verify', { method: 'totp', code: '000000' });
    expectError(wrong, 400, 'SECOND_FACTOR_INVALID');
    expect(await audits('mfa.verify_failed', proctor.userId)).toHaveLength(1);

    const code = nextCode(secret);
    expect((await client.post('/api/auth/mfa/verify', { method: 'totp', code })).status).toBe(200);
    expect((await client.get('/api/exams')).status).toBe(200);
    expect((await client.get('/api/auth/me')).body.secondFactor).toBeNull();
    expect(await audits('mfa.verify', proctor.userId)).toHaveLength(1);

    // The same code again, in another browser: a replay.
    const other = await signIn(proctor.email);
    const replay = await other.client.post('/api/auth/mfa/verify', { method: 'totp', code });
    expectError(replay, 400, 'SECOND_FACTOR_INVALID');
    expect(replay.body.message).toMatch(/already used/);
    // Signing out works while pending.
    expect((await other.client.post('/api/auth/logout')).status).toBe(200);
  });

  it('a recovery code works once', async () => {
    const student = await server.signedIn('student');
    const { recoveryCodes } = await enrolTotp(student);
    const code = recoveryCodes![3]!.toUpperCase();
    const first = await signIn(student.email);
    const ok = await first.client.post('/api/auth/mfa/verify', { method: 'recovery', code });
    expect(ok.status).toBe(200);
    expect((await first.client.get('/api/me/registrations')).status).toBe(200);
    const [used] = await audits('mfa.recovery_used', student.userId);
    expect(used?.data).toMatchObject({ left: 9 });
    const second = await signIn(student.email);
    expectError(
      await second.client.post('/api/auth/mfa/verify', { method: 'recovery', code }),
      400,
      'SECOND_FACTOR_INVALID',
    );
  });

  it('wrong codes are slowed like wrong passwords', async () => {
    const instructor = await server.signedIn('instructor');
    await enrolTotp(instructor);
    const { client } = await signIn(instructor.email);
    const tries = [];
    // Two free failures (this file's setting), a third that starts a wait, a fourth that waits.
    for (let i = 0; i < 4; i += 1) {
      tries.push(await client.post('/api/auth/mfa/verify', { method: 'totp', code: '123456' }));
    }
    expect(tries.slice(0, 3).map((r) => r.body.code)).toEqual(
      Array(3).fill('SECOND_FACTOR_INVALID'),
    );
    expectError(tries[3]!, 429, 'SIGN_IN_THROTTLED');
  });

  it('sensitive changes ask for the second factor again after 10 minutes', async () => {
    const admin = await server.signedIn('admin');
    const { secret } = await enrolTotp(admin);
    const target = await server.signedIn('student');
    // Fresh from enrolment: allowed.
    const patch = await admin.patch(`/api/users/${target.userId}`, { role: 'proctor' });
    expect(patch.status).toBe(200);
    server.clock.advance(11 * 60_000);
    expectError(
      await admin.patch(`/api/users/${target.userId}`, { role: 'student' }),
      403,
      'STEP_UP_REQUIRED',
    );
    expectError(
      await admin.post(`/api/users/${target.userId}/password`, {
        password: 'another passphrase x',
      }),
      403,
      'STEP_UP_REQUIRED',
    );
    expectError(
      await admin.post('/api/webhooks', { url: 'http://127.0.0.1:9/x', events: ['verdict'] }),
      403,
      'STEP_UP_REQUIRED',
    );
    expectError(
      await admin.post('/api/tokens', { name: 't', scopes: ['exams:read'] }),
      403,
      'STEP_UP_REQUIRED',
    );
    expectError(
      await admin.put('/api/settings/mfa', { requireForStaff: false }),
      403,
      'STEP_UP_REQUIRED',
    );
    expectError(await admin.post('/api/lti/keys/rotate'), 403, 'STEP_UP_REQUIRED');
    // A rename is not sensitive; reads never are.
    expect((await admin.patch(`/api/users/${target.userId}`, { name: 'Renamed' })).status).toBe(
      200,
    );
    expect((await admin.get('/api/users')).status).toBe(200);
    const stepUp = await admin.post('/api/auth/mfa/verify', {
      method: 'totp',
      code: nextCode(secret),
    });
    expect(stepUp.status).toBe(200);
    expect((await admin.patch(`/api/users/${target.userId}`, { role: 'student' })).status).toBe(
      200,
    );
  });

  it('an admin requires a second factor of staff: staff without one can only set one up', async () => {
    const admin = await server.signedIn('admin');
    expectError(
      await admin.put('/api/settings/mfa', { requireForStaff: true }),
      409,
      'MFA_FACTOR_REQUIRED',
    );
    await enrolTotp(admin);
    const proctor = await server.signedIn('proctor');
    const student = await server.signedIn('student');
    const token = await proctor.post('/api/tokens', { name: 'ci', scopes: ['exams:read'] });
    expect(token.status).toBe(201);

    const on = await admin.put('/api/settings/mfa', { requireForStaff: true });
    expect(on.body).toEqual({ requireForStaff: true });
    try {
      expect((await admin.get('/api/settings/mfa')).body).toEqual({ requireForStaff: true });
      const [entry] = await audits('settings.mfa.update', 'mfa');
      expect(entry?.data).toEqual({ requireForStaff: true });

      expectError(await proctor.get('/api/exams'), 403, 'SECOND_FACTOR_ENROLMENT_REQUIRED');
      const fresh = await signIn(proctor.email);
      expect(fresh.secondFactor).toBe('enrol');
      expectError(await fresh.client.get('/api/exams'), 403, 'SECOND_FACTOR_ENROLMENT_REQUIRED');
      expect((await fresh.client.get('/api/auth/mfa')).body).toMatchObject({
        required: true,
        secondFactor: 'enrol',
      });
      // Students are not concerned; API tokens (made by a verified session) are not gated.
      expect((await student.get('/api/me/registrations')).status).toBe(200);
      const bearer = Object.assign(new HttpClient(server.url), { bearer: token.body.token });
      expect((await bearer.get('/api/exams')).status).toBe(200);

      const { factorId } = await enrolTotp(fresh.client);
      expect((await fresh.client.get('/api/exams')).status).toBe(200);
      // The only factor of a role that must have one stays.
      expectError(
        await fresh.client.delete(`/api/auth/mfa/factors/${factorId}`),
        409,
        'MFA_FACTOR_REQUIRED',
      );
      // The proctor's older session has a factor it never proved now.
      expectError(await proctor.get('/api/exams'), 403, 'SECOND_FACTOR_REQUIRED');
    } finally {
      expect((await admin.put('/api/settings/mfa', { requireForStaff: false })).status).toBe(200);
    }
  });

  /**
   * Every guarded route (anonymous: 401) answers `client` with 403 `code`, but the `open` ones.
   * The hook refuses before parameters are read, so any id fills the path.
   */
  async function expectOnlyOpen(client: HttpClient, code: string, open: string[]) {
    const leaks: string[] = [];
    const anonymous = server.anonymous();
    for (const op of await documentedOperations(anonymous)) {
      if (open.includes(op)) continue;
      const { method, path } = splitOperation(op);
      const url = path.replace(/\{\w+\}/g, crypto.randomUUID());
      if ((await anonymous.request(method, url)).status !== 401) continue;
      const res = await client.request(method, url);
      if (res.status !== 403 || res.body?.code !== code) leaks.push(`${op}: ${res.status}`);
    }
    expect(leaks).toEqual([]);
  }

  it('a session owing its second factor reaches no other route', async () => {
    const admin = await server.signedIn('admin');
    await enrolTotp(admin);
    const { client } = await signIn(admin.email);
    await expectOnlyOpen(client, 'SECOND_FACTOR_REQUIRED', [
      'GET /api/auth/me',
      'POST /api/auth/logout',
      'GET /api/auth/mfa',
      'POST /api/auth/mfa/verify',
      'POST /api/auth/mfa/webauthn/options',
      'POST /api/auth/mfa/webauthn/verify',
    ]);
  });

  it('staff without a required second factor reach only setting one up', async () => {
    const admin = await server.signedIn('admin');
    await enrolTotp(admin);
    const bare = await server.signedIn('admin');
    expect((await admin.put('/api/settings/mfa', { requireForStaff: true })).status).toBe(200);
    try {
      await expectOnlyOpen(bare, 'SECOND_FACTOR_ENROLMENT_REQUIRED', [
        'GET /api/auth/me',
        'POST /api/auth/logout',
        'GET /api/auth/mfa',
        'POST /api/auth/mfa/totp',
        'POST /api/auth/mfa/totp/confirm',
        'POST /api/auth/mfa/webauthn/register/options',
        'POST /api/auth/mfa/webauthn/register',
      ]);
    } finally {
      await admin.put('/api/settings/mfa', { requireForStaff: false });
    }
  });

  it('removes a factor (step-up), and recovery codes with the last one', async () => {
    const proctor = await server.signedIn('proctor');
    const { factorId } = await enrolTotp(proctor);
    const regenerated = await proctor.post('/api/auth/mfa/recovery-codes');
    expect(regenerated.body.recoveryCodes).toHaveLength(10);
    expect((await proctor.delete(`/api/auth/mfa/factors/${factorId}`)).status).toBe(200);
    expect((await proctor.get('/api/auth/mfa')).body).toMatchObject({
      factors: [],
      recoveryCodesLeft: 0,
    });
    expect(await audits('mfa.remove', proctor.userId)).toHaveLength(1);
    const { secondFactor } = await signIn(proctor.email);
    expect(secondFactor).toBeNull();
  });

  it('an admin removes the factors of a user who lost them (not their own)', async () => {
    const admin = await server.signedIn('admin');
    const student = await server.signedIn('student');
    await enrolTotp(student);
    // The admin's list says who has a second factor (the reset is offered to them only).
    const listed = async () =>
      (await admin.get(`/api/users?q=${encodeURIComponent(student.email)}`)).body[0]?.secondFactor;
    expect(await listed()).toBe(true);
    expectError(await admin.delete(`/api/users/${admin.userId}/mfa`), 403, 'FORBIDDEN');
    const reset = await admin.delete(`/api/users/${student.userId}/mfa`);
    expect(reset.body).toEqual({ removed: 1 });
    expect(await listed()).toBe(false);
    expect(await audits('mfa.reset', student.userId)).toHaveLength(1);
    const { secondFactor } = await signIn(student.email);
    expect(secondFactor).toBeNull();
  });

  it('offers passkey options bound to the page’s host', async () => {
    const proctor = await server.signedIn('proctor');
    const res = await proctor.request(
      'POST',
      '/api/auth/mfa/webauthn/register/options',
      undefined,
      {
        origin: 'http://localhost:5173',
      },
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rp: { id: 'localhost' }, user: { name: proctor.email } });
    expectError(await proctor.post('/api/auth/mfa/webauthn/options'), 404, 'NOT_FOUND');
  });
});
