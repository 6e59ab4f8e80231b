import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailVerifications, users } from '../src/db/schema.js';
import { startTestMailbox, type ReceivedMail } from '../src/ports/mailer.contract.js';
import {
  VERIFY_LINK_HOURS,
  VERIFY_LINKS_PER_HOUR,
} from '../src/services/accounts/signup.service.js';
import { eventually } from './helpers/eventually.js';
import { buildExam } from './helpers/factories.js';
import { HttpClient } from './helpers/http-client.js';
import { expectError } from './helpers/matrix-errors.js';
import {
  requestEngines,
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
} from './helpers/test-server.js';
import { mailboxNotifications } from './helpers/mailbox-notifications.js';

const PUBLIC_URL = 'http://exams.test.invigil.test';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface AuditRow {
  action: string;
  actorId: string | null;
  entityId: string | null;
  data: Record<string, unknown>;
}

/** What one test file needs around a server with self sign-up turned on. */
async function signupWorld(server: TestServer) {
  const admin = await server.signedIn('admin', 'Signup Admin');
  const on = await admin.put('/api/settings/signup', { enabled: true, allowedDomains: [] });
  expect(on.status).toBe(200);
  const exam = await admin.post('/api/exams', buildExam({}, server.clock.now().getTime()));
  expect(exam.status).toBe(201);
  let n = 0;
  return {
    admin,
    examId: exam.body.id as string,
    /** Sign up a new student; the client keeps its session. */
    async signUp(name = 'Sam Signup') {
      const email = `signup-${++n}-${server.engine}@uni.test.invigil.test`;
      const client = new HttpClient(server.url);
      const res = await client.post('/api/auth/signup', { email, name, password: TEST_PASSWORD });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      client.csrfToken = res.body.csrfToken;
      return Object.assign(client, { email, userId: res.body.user.id as string, me: res.body });
    },
    register: (client: HttpClient) => client.post(`/api/exams/${exam.body.id}/registrations`),
    async audit(action: string, entityId: string): Promise<AuditRow[]> {
      const res = await admin.get('/api/audit?limit=1000');
      expect(res.status).toBe(200);
      return (res.body as AuditRow[]).filter((e) => e.action === action && e.entityId === entityId);
    },
  };
}

/** The verification link's secret from an e-mail's text part. */
function tokenOf(mail: ReceivedMail): string {
  const match = /\/verify-email\?token=([A-Za-z0-9_-]+)/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no verification link in: ${mail.text}`);
  return match[1];
}

describe.each(requestEngines())('sign-up e-mail verification on %s', (engine) => {
  let server: TestServer;
  let mailbox: Awaited<ReturnType<typeof startTestMailbox>>;
  let world: Awaited<ReturnType<typeof signupWorld>>;

  beforeAll(async () => {
    mailbox = await startTestMailbox();
    server = await startTestServer(engine, {
      publicUrl: PUBLIC_URL,
      notifications: mailboxNotifications(mailbox.port),
    });
    world = await signupWorld(server);
  });
  afterAll(async () => {
    await server?.close();
    await mailbox?.close();
  });

  const verify = (token: string, client = server.anonymous()) =>
    client.post('/api/auth/verify-email', { token });
  /** Wait until `count` e-mails reached `email`; returns them in arrival order. */
  const mailsFor = (email: string, count = 1) =>
    eventually(() => {
      const got = mailbox.received.filter((m) => m.to.includes(email));
      expect(got.length).toBeGreaterThanOrEqual(count);
      return got;
    }, 10_000);

  it('mails a link; until it is opened the student may sign in but not register', async () => {
    const student = await world.signUp('Robin <b>Verify</b>');
    expect(student.me.user).toMatchObject({ role: 'student', signupPending: 'email' });
    expectError(await world.register(student), 403, 'EMAIL_NOT_VERIFIED');
    expect((await student.get('/api/exams/open')).status).toBe(200);

    const [mail] = await mailsFor(student.email);
    expect(mail?.subject).toBe('Confirm your e-mail address for Invigil');
    expect(mail?.text).toContain(`within ${VERIFY_LINK_HOURS} hours`);
    expect(mail?.html).toContain('Hello Robin &lt;b&gt;Verify&lt;/b&gt;,');
    const token = tokenOf(mail as ReceivedMail);
    expect(mail?.text).toContain(`${PUBLIC_URL}/verify-email?token=${token}`);
    const rows = await server.instance.database.db
      .select()
      .from(emailVerifications)
      .where(eq(emailVerifications.userId, student.userId));
    expect(rows.map((r) => r.tokenHash)).toEqual([sha256(token)]);

    // A forged secret, and the right one opened while signed in to another account: refused,
    // and the link stays usable.
    expectError(await verify('A'.repeat(43)), 400, 'VERIFY_TOKEN_INVALID');
    const other = await world.signUp('Other Student');
    const wrongAccount = await verify(token, other);
    expectError(wrongAccount, 400, 'VERIFY_TOKEN_INVALID');
    expect(wrongAccount.body.message).toContain('another account');
    expectError(await world.register(other), 403, 'EMAIL_NOT_VERIFIED');

    // Opened anywhere else (another browser, signed out): verified.
    const done = await verify(token);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect((await student.get('/api/auth/me')).body.user.signupPending).toBeNull();
    expect((await world.register(student)).status).toBe(201);
    const [audited] = await world.audit('user.email_verified', student.userId);
    expect(audited?.actorId).toBe(student.userId);

    // Single use.
    expectError(await verify(token), 400, 'VERIFY_TOKEN_INVALID');
    expectError(await verify(token, student), 400, 'VERIFY_TOKEN_INVALID');
  });

  it('an admin may approve an account whose e-mail never arrived; its links stop working', async () => {
    const student = await world.signUp();
    const [mail] = await mailsFor(student.email);
    const approved = await world.admin.post(`/api/users/${student.userId}/approve`);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body.signupPending).toBeNull();
    expect((await world.register(student)).status).toBe(201);
    expectError(await verify(tokenOf(mail as ReceivedMail)), 400, 'VERIFY_TOKEN_INVALID');
    const [audited] = await world.audit('user.approve', student.userId);
    expect(audited).toMatchObject({ actorId: world.admin.userId, data: { was: 'email' } });
  });

  // Last: it moves the clock past every session of this server.
  it('sends a new link on request (older ones stop working), a few an hour; links expire', async () => {
    const student = await world.signUp();
    const [first] = await mailsFor(student.email);
    for (let i = 1; i < VERIFY_LINKS_PER_HOUR; i++) {
      const again = await student.post('/api/auth/verify-email/resend');
      expect(again.status).toBe(202);
      expect(again.body).toEqual({ signupPending: 'email' });
    }
    const limited = await student.post('/api/auth/verify-email/resend');
    expectError(limited, 429, 'RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    const mails = await mailsFor(student.email, VERIFY_LINKS_PER_HOUR);
    const newest = tokenOf(mails[VERIFY_LINKS_PER_HOUR - 1] as ReceivedMail);
    expectError(await verify(tokenOf(first as ReceivedMail)), 400, 'VERIFY_TOKEN_INVALID');

    server.clock.advance((VERIFY_LINK_HOURS * 60 + 1) * 60_000);
    expectError(await verify(newest), 400, 'VERIFY_TOKEN_INVALID');
    // The sign-in session has expired meanwhile too.
    await student.login(student.email, TEST_PASSWORD);
    expectError(await world.register(student), 403, 'EMAIL_NOT_VERIFIED');
    // A day later the student may ask again, and the fresh link works.
    expect((await student.post('/api/auth/verify-email/resend')).status).toBe(202);
    const fresh = await mailsFor(student.email, VERIFY_LINKS_PER_HOUR + 1);
    expect((await verify(tokenOf(fresh.at(-1) as ReceivedMail))).status).toBe(200);
    expectError(
      await student.post('/api/auth/verify-email/resend'),
      409,
      'VERIFICATION_NOT_PENDING',
    );
  });
});

describe.each(requestEngines())('sign-up approval without e-mail on %s', (engine) => {
  let server: TestServer;
  let world: Awaited<ReturnType<typeof signupWorld>>;
  beforeAll(async () => {
    server = await startTestServer(engine);
    world = await signupWorld(server);
  });
  afterAll(async () => server?.close());

  const pendingList = async () => {
    const res = await world.admin.get('/api/users?pending=approval');
    expect(res.status).toBe(200);
    return (res.body as { id: string }[]).map((u) => u.id);
  };

  it('waits for an admin; once approved the student may register', async () => {
    const student = await world.signUp();
    expect(student.me.user.signupPending).toBe('approval');
    expectError(await world.register(student), 403, 'ACCOUNT_NOT_APPROVED');
    expectError(
      await student.post('/api/auth/verify-email/resend'),
      409,
      'VERIFICATION_NOT_PENDING',
    );
    expect(await pendingList()).toContain(student.userId);
    // Accounts an admin made never wait.
    expect(await pendingList()).not.toContain(world.admin.userId);

    const approved = await world.admin.post(`/api/users/${student.userId}/approve`);
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(await pendingList()).not.toContain(student.userId);
    expect((await world.register(student)).status).toBe(201);
    const [audited] = await world.audit('user.approve', student.userId);
    expect(audited).toMatchObject({ actorId: world.admin.userId, data: { was: 'approval' } });
    expectError(
      await world.admin.post(`/api/users/${student.userId}/approve`),
      409,
      'VERIFICATION_NOT_PENDING',
    );
    expectError(
      await world.admin.post(`/api/users/${student.userId}/reject`),
      409,
      'VERIFICATION_NOT_PENDING',
    );
  });

  it('an account left waiting for a link joins the approval queue when e-mail is gone', async () => {
    const student = await world.signUp();
    await server.instance.database.db
      .update(users)
      .set({ signupPending: 'email' })
      .where(eq(users.id, student.userId));
    const res = await student.post('/api/auth/verify-email/resend');
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toEqual({ signupPending: 'approval' });
    expect(await pendingList()).toContain(student.userId);
    expectError(await world.register(student), 403, 'ACCOUNT_NOT_APPROVED');
  });

  it('rejecting disables the account and signs it out', async () => {
    const student = await world.signUp();
    const rejected = await world.admin.post(`/api/users/${student.userId}/reject`);
    expect(rejected.status, JSON.stringify(rejected.body)).toBe(200);
    expect(rejected.body).toMatchObject({ disabled: true, signupPending: 'approval' });
    expectError(await student.get('/api/auth/me'), 401, 'UNAUTHENTICATED');
    expectError(
      await server.anonymous().post('/api/auth/login', {
        email: student.email,
        password: TEST_PASSWORD,
      }),
      403,
      'ACCOUNT_DISABLED',
    );
    expect(await pendingList()).not.toContain(student.userId);
    const [audited] = await world.audit('user.reject', student.userId);
    expect(audited).toMatchObject({ actorId: world.admin.userId, data: { sessionsRevoked: 1 } });
  });

  it('a waiting account cannot start an attempt either', async () => {
    // Registered before it came to wait (say an admin's import was re-checked): still refused.
    const student = await server.signedIn('student');
    const reg = await world.register(student);
    expect(reg.status).toBe(201);
    await server.instance.database.db
      .update(users)
      .set({ signupPending: 'approval' })
      .where(eq(users.id, student.userId));
    const start = await student.post(`/api/sessions/${reg.body.sessionId}/transitions`, {
      to: 'checking_in',
    });
    expectError(start, 403, 'ACCOUNT_NOT_APPROVED');
    expectError(
      await student.post(`/api/sessions/${reg.body.sessionId}/consent`),
      403,
      'ACCOUNT_NOT_APPROVED',
    );
  });
});
