import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { passwordResets } from '../src/db/schema.js';
import { startTestMailbox, type ReceivedMail } from '../src/ports/mailer.contract.js';
import { RESET_REQUESTS_PER_HOUR } from '../src/services/accounts/password-reset.service.js';
import { insertUser } from '../src/services/accounts/users.service.js';
import { eventually } from './helpers/eventually.js';
import { HttpClient } from './helpers/http-client.js';
import { expectError, expectValidationDetails } from './helpers/matrix-errors.js';
import {
  requestEngines,
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
} from './helpers/test-server.js';
import { mailboxNotifications } from './helpers/mailbox-notifications.js';

const PUBLIC_URL = 'http://exams.test.invigil.test';
const LINK_MINUTES = 30;
const NEW_PASSWORD = 'a freshly chosen passphrase';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface AuditRow {
  action: string;
  actorId: string | null;
  entityId: string | null;
  data: Record<string, unknown>;
}

/** The reset link's secret from an e-mail's text part. */
function tokenOf(mail: ReceivedMail): string {
  const match = /\/reset-password\?token=([A-Za-z0-9_-]+)/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no reset link in: ${mail.text}`);
  return match[1];
}

describe.each(requestEngines())('forgot password on %s', (engine) => {
  let server: TestServer;
  let mailbox: Awaited<ReturnType<typeof startTestMailbox>>;
  let admin: Awaited<ReturnType<TestServer['signedIn']>>;
  let n = 0;

  beforeAll(async () => {
    mailbox = await startTestMailbox();
    server = await startTestServer(engine, {
      publicUrl: PUBLIC_URL,
      passwordResetMinutes: LINK_MINUTES,
      signInThrottle: { freeFailures: 3, maxDelayMs: 15 * 60_000 },
      notifications: mailboxNotifications(mailbox.port),
    });
    admin = await server.signedIn('admin', 'Reset Admin');
  });
  afterAll(async () => {
    await server?.close();
    await mailbox?.close();
  });

  /** An account created directly in the database. */
  async function account(name = 'Robin Reset', role: 'student' | 'proctor' = 'student') {
    const email = `reset-${++n}-${engine}@test.invigil.test`;
    const row = await insertUser(server.instance.database.db, {
      email,
      name,
      role,
      password: TEST_PASSWORD,
    });
    return { id: row.id, email };
  }

  const ask = (email: string) => server.anonymous().post('/api/auth/password-reset', { email });
  const confirm = (token: string, password = NEW_PASSWORD) =>
    server.anonymous().post('/api/auth/password-reset/confirm', { token, password });
  const login = (email: string, password: string) =>
    server.anonymous().post('/api/auth/login', { email, password });
  const mailsTo = (email: string) => mailbox.received.filter((m) => m.to.includes(email));

  /** Wait until `count` reset e-mails reached `email`; returns them in arrival order. */
  async function mailFor(email: string, count = 1): Promise<ReceivedMail[]> {
    return eventually(() => {
      const got = mailsTo(email);
      expect(got.length).toBeGreaterThanOrEqual(count);
      return got;
    }, 10_000);
  }

  /**
   * Requests are handled one at a time in arrival order, so once a later request's e-mail
   * arrived every earlier request has been judged: ask for a marker account's link and wait.
   */
  async function afterEarlierRequests(): Promise<void> {
    const marker = await account('Marker Account');
    expect((await ask(marker.email)).status).toBe(202);
    await mailFor(marker.email);
  }

  async function linkFor(email: string): Promise<string> {
    const before = mailsTo(email).length;
    expect((await ask(email)).status).toBe(202);
    const mails = await mailFor(email, before + 1);
    return tokenOf(mails[before] as ReceivedMail);
  }

  async function audit(action: string, entityId: string): Promise<AuditRow[]> {
    const res = await admin.get('/api/audit?limit=1000');
    expect(res.status).toBe(200);
    return (res.body as AuditRow[]).filter((e) => e.action === action && e.entityId === entityId);
  }

  it('offers the feature on the public settings, with how long a link works', async () => {
    const res = await server.anonymous().get('/api/settings/public');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      signupEnabled: false,
      passwordReset: { linkMinutes: LINK_MINUTES },
      apiTokenDays: { default: 90, max: 365 },
      sso: null,
    });
  });

  it('e-mails a working single-use link: plain text and escaped HTML', async () => {
    const user = await account('Robin <b>Reset</b> & co');
    const res = await ask(user.email.toUpperCase());
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true });

    const [mail] = await mailFor(user.email);
    expect(mail?.to).toEqual([user.email]);
    expect(mail?.subject).toBe('Reset your Invigil password');
    expect(mail?.from).toContain('invigil@test.invigil.test');
    const token = tokenOf(mail as ReceivedMail);
    const link = `${PUBLIC_URL}/reset-password?token=${token}`;
    expect(mail?.text).toContain(link);
    expect(mail?.text).toContain(`within ${LINK_MINUTES} minutes`);
    expect(mail?.text).toContain('Hello Robin <b>Reset</b> & co,');
    expect(mail?.html).toContain(`<a href="${link}">Choose a new password</a>`);
    expect(mail?.html).toContain('Hello Robin &lt;b&gt;Reset&lt;/b&gt; &amp; co,');
    expect(mail?.html).not.toContain('<b>Reset</b>');
    // 32 random bytes, base64url.
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Only the hash is stored.
    const rows = await server.instance.database.db
      .select()
      .from(passwordResets)
      .where(eq(passwordResets.userId, user.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.tokenHash).toBe(sha256(token));
    expect(JSON.stringify(rows)).not.toContain(token);
    const lifetime = (rows[0]?.expiresAt.getTime() ?? 0) - (rows[0]?.createdAt.getTime() ?? 0);
    expect(lifetime).toBe(LINK_MINUTES * 60_000);

    const done = await confirm(token);
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toEqual({ ok: true });
    expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);
    expectError(await login(user.email, TEST_PASSWORD), 401, 'INVALID_CREDENTIALS');

    // Single use: the same link again is refused, exactly like a link that never existed.
    const again = await confirm(token, 'yet another long passphrase');
    expectError(again, 400, 'RESET_TOKEN_INVALID');
    const unknown = await confirm('A'.repeat(43), 'yet another long passphrase');
    expectError(unknown, 400, 'RESET_TOKEN_INVALID');
    expect(again.body.message).toBe(unknown.body.message);
    expect(again.body.details).toBeUndefined();
    expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);
  });

  it('answers an unknown or disabled address the same way and sends nothing', async () => {
    const known = await account();
    const disabled = await account('Dana Disabled');
    expect((await admin.patch(`/api/users/${disabled.id}`, { disabled: true })).status).toBe(200);
    const unknownAddress = `nobody-${engine}@test.invigil.test`;

    const forKnown = await ask(known.email);
    const forUnknown = await ask(unknownAddress);
    const forDisabled = await ask(disabled.email);
    for (const res of [forKnown, forUnknown, forDisabled]) {
      expect(res.status).toBe(202);
      expect(res.body).toEqual(forKnown.body);
      expect(res.headers.get('content-type')).toBe(forKnown.headers.get('content-type'));
      expect(res.headers.get('content-length')).toBe(forKnown.headers.get('content-length'));
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    // The same answer, and the work differs only after it: one link made and mailed, for
    // the active account alone (the timing is measured in bench/sign-in-timing.ts).
    await mailFor(known.email);
    await afterEarlierRequests();
    expect(mailsTo(known.email)).toHaveLength(1);
    const knownRows = await server.instance.database.db
      .select()
      .from(passwordResets)
      .where(eq(passwordResets.userId, known.id));
    expect(knownRows).toHaveLength(1);
    expect(mailsTo(unknownAddress)).toEqual([]);
    expect(mailsTo(disabled.email)).toEqual([]);
    const rows = await server.instance.database.db
      .select()
      .from(passwordResets)
      .where(eq(passwordResets.userId, disabled.id));
    expect(rows).toEqual([]);
  });

  it('refuses an expired link and leaves the password as it was', async () => {
    const early = await account();
    const user = await account();
    const earlyToken = await linkFor(early.email);
    const token = await linkFor(user.email);
    server.clock.advance((LINK_MINUTES - 1) * 60_000);
    expect((await confirm(earlyToken)).status).toBe(200);
    server.clock.advance(2 * 60_000);
    expectError(await confirm(token), 400, 'RESET_TOKEN_INVALID');
    expect((await login(user.email, TEST_PASSWORD)).status).toBe(200);
    expectError(await login(user.email, NEW_PASSWORD), 401, 'INVALID_CREDENTIALS');
  });

  it('a newer request makes the older unused link invalid', async () => {
    const user = await account();
    const older = await linkFor(user.email);
    const newer = await linkFor(user.email);
    expect(newer).not.toBe(older);
    expectError(await confirm(older), 400, 'RESET_TOKEN_INVALID');
    expect((await confirm(newer)).status).toBe(200);
    expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);
  });

  it('keeps the link usable after a weak password is refused (WEAK_PASSWORD)', async () => {
    const user = await account();
    const token = await linkFor(user.email);
    const local = user.email.split('@')[0] ?? '';
    for (const weak of ['short', 'password1234', `my ${local} secret`]) {
      expectError(await confirm(token, weak), 400, 'WEAK_PASSWORD');
    }
    expect((await confirm(token)).status).toBe(200);
  });

  it('signs the account out everywhere, keeps its API tokens, lifts a sign-in wait, and is audited', async () => {
    const user = await account('Pat Proctor', 'proctor');
    const browser = new HttpClient(server.url);
    await browser.login(user.email, TEST_PASSWORD);
    const other = new HttpClient(server.url);
    await other.login(user.email, TEST_PASSWORD);
    const created = await browser.post('/api/tokens', { name: 'sync', scopes: ['exams:read'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const bearer = Object.assign(new HttpClient(server.url), { bearer: created.body.token });
    for (let i = 0; i < 4; i++) await login(user.email, `wrong password ${i}`);
    expectError(await login(user.email, TEST_PASSWORD), 429, 'SIGN_IN_THROTTLED');

    const token = await linkFor(user.email);
    expect((await confirm(token)).status).toBe(200);

    expectError(await browser.get('/api/auth/me'), 401, 'UNAUTHENTICATED');
    expectError(await other.get('/api/auth/me'), 401, 'UNAUTHENTICATED');
    // API tokens are separate credentials: they keep working, as after a password change.
    expect((await bearer.get('/api/exams')).status).toBe(200);
    // The lock is lifted at once.
    expect((await login(user.email, NEW_PASSWORD)).status).toBe(200);

    const [reset] = await audit('auth.password_reset', user.id);
    expect(reset).toMatchObject({
      actorId: user.id,
      data: { sessionsRevoked: 2, ip: expect.any(String) },
    });
    const requested = await audit('auth.password_reset.request', user.id);
    expect(requested).toHaveLength(1);
    expect(requested[0]?.actorId).toBeNull();
    const all = JSON.stringify((await admin.get('/api/audit?limit=1000')).body);
    expect(all).not.toContain(token);
    expect(all).not.toContain(sha256(token));
    expect(all).not.toContain(NEW_PASSWORD);
  });

  it(`sends at most ${RESET_REQUESTS_PER_HOUR} links per account an hour; further requests get the same 202`, async () => {
    const user = await account();
    const answers = [];
    for (let i = 0; i < RESET_REQUESTS_PER_HOUR + 2; i++) answers.push(await ask(user.email));
    for (const res of answers) {
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ ok: true });
    }
    await afterEarlierRequests();
    const rows = async () =>
      server.instance.database.db
        .select()
        .from(passwordResets)
        .where(eq(passwordResets.userId, user.id));
    expect(await rows()).toHaveLength(RESET_REQUESTS_PER_HOUR);
    const mails = await mailFor(user.email, RESET_REQUESTS_PER_HOUR);
    expect(mails).toHaveLength(RESET_REQUESTS_PER_HOUR);
    // Only the newest link works.
    const newest = tokenOf(mails[RESET_REQUESTS_PER_HOUR - 1] as ReceivedMail);
    expectError(await confirm(tokenOf(mails[0] as ReceivedMail)), 400, 'RESET_TOKEN_INVALID');

    // An hour later the account may ask again.
    server.clock.advance(61 * 60_000);
    const fresh = await linkFor(user.email);
    expect(fresh).not.toBe(newest);
    expect((await confirm(fresh)).status).toBe(200);
  });

  it('validates its input', async () => {
    expectValidationDetails(await ask('not an address'));
    expectValidationDetails(
      await server.anonymous().post('/api/auth/password-reset', { email: 'a@b.example', x: 1 }),
    );
    expectValidationDetails(await confirm('', NEW_PASSWORD));
    expectValidationDetails(await confirm('t'.repeat(201), NEW_PASSWORD));
    expectValidationDetails(
      await server.anonymous().post('/api/auth/password-reset/confirm', { token: 'abc' }),
    );
  });
});

describe.each(requestEngines())('forgot password without e-mail on %s', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(async () => server?.close());

  it('is not offered, yet answers requests the same way and makes no link', async () => {
    const settings = await server.anonymous().get('/api/settings/public');
    expect(settings.body).toEqual({
      signupEnabled: false,
      passwordReset: null,
      apiTokenDays: { default: 90, max: 365 },
      sso: null,
    });
    const user = await server.signedIn('student');
    const res = await server.anonymous().post('/api/auth/password-reset', { email: user.email });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ ok: true });
    const rows = await server.instance.database.db.select().from(passwordResets);
    expect(rows).toEqual([]);
  });
});

describe.each(requestEngines())('forgot password rate limit on %s', (engine) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(engine, { loginRateLimitPerMinute: 3 });
  });
  afterAll(async () => server?.close());

  it('answers 429 RATE_LIMITED from the 4th request in a minute from one address', async () => {
    for (const path of ['/api/auth/password-reset', '/api/auth/password-reset/confirm']) {
      const body =
        path === '/api/auth/password-reset'
          ? { email: 'someone@test.invigil.test' }
          : { token: 'not-a-real-token', password: NEW_PASSWORD };
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await server.anonymous().post(path, body));
      expect(answers.slice(0, 3).map((r) => r.status)).not.toContain(429);
      const limited = answers[3];
      expectError(limited as NonNullable<typeof limited>, 429, 'RATE_LIMITED');
      expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });
});
