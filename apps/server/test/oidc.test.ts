import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, userIdentities, users } from '../src/db/schema.js';
import type { OidcConfig } from '../src/config/config.js';
import { insertUser } from '../src/services/accounts/users.service.js';
import {
  CookieJar,
  navigate,
  signInAtProvider,
  startOidcProvider,
  type ProviderClaims,
  type TestOidcProvider,
} from './helpers/oidc-provider.js';
import {
  requestEngines,
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
} from './helpers/test-server.js';

const CLIENT = { clientId: 'invigil', clientSecret: 'a client secret of the test provider' };

/** The provider's accounts: the login typed at its page → its claims. */
const accounts: Record<string, ProviderClaims> = {
  ada: {
    email: 'Ada@Uni.example',
    email_verified: true,
    name: 'Ada Lovelace',
    groups: ['library', 'exam-office'],
  },
  pat: { email: 'pat@uni.example', email_verified: true, name: 'Pat Proctor', groups: [] },
  imposter: { email: 'pat@uni.example', email_verified: true, name: 'Not Pat' },
  outsider: { email: 'someone@elsewhere.example', email_verified: true },
  unverified: { email: 'unverified@uni.example', email_verified: false },
  nomail: { name: 'No Mail' },
  ghost: { email: 'ghost@uni.example', email_verified: true },
  early: { email: 'early@uni.example', email_verified: true, name: 'Early Bird' },
};

const settings = (issuer: string): OidcConfig => ({
  issuer,
  ...CLIENT,
  scopes: 'openid email profile groups',
  roleClaim: 'groups',
  roleMap: new Map([
    ['staff-proctors', 'proctor'],
    ['exam-office', 'admin'],
  ]),
  allowedDomains: ['uni.example'],
  buttonLabel: 'Sign in with Uni Login',
});

/**
 * Single sign-on against a real OpenID Connect provider (oidc-provider on loopback), driven
 * over HTTP as a browser would: Invigil's start route, the provider's login and consent pages,
 * the callback, then Invigil's own API with the session cookie it set.
 */
describe.each(requestEngines())('single sign-on (OpenID Connect) on %s', (engine) => {
  let idp: TestOidcProvider;
  let server: TestServer;

  beforeAll(async () => {
    idp = await startOidcProvider(accounts);
    server = await startTestServer(engine, { oidc: settings(idp.issuer) });
    idp.setClients([{ ...CLIENT, redirectUri: `${server.url}/api/auth/oidc/callback` }]);
  });
  afterAll(async () => {
    await server?.close();
    await idp?.close();
  });

  const at = (path: string) => new URL(path, server.url);
  const db = () => server.instance.database.db;

  /** Start at Invigil, sign in at the provider as `login`, come back: the callback's answer. */
  async function signIn(login: string, jar = new CookieJar()) {
    const start = await navigate(jar, at('/api/auth/oidc/start'));
    expect(start.status).toBe(302);
    const callback = await signInAtProvider(jar, start.headers.get('location') ?? '', login);
    expect(callback.pathname).toBe('/api/auth/oidc/callback');
    const done = await navigate(jar, callback);
    expect(done.status).toBe(303);
    return { jar, done, location: done.headers.get('location') ?? '' };
  }

  /** Who the jar's session cookie signs in as. */
  async function me(jar: CookieJar) {
    const res = await fetch(at('/api/auth/me'), { headers: { cookie: jar.header(at('/')) } });
    return {
      status: res.status,
      body: (await res.json()) as { user: { id: string; role: string; email: string } },
    };
  }

  const auditOf = async (action: string, userId: string | null) =>
    db()
      .select()
      .from(auditLog)
      .where(
        userId
          ? and(eq(auditLog.action, action), eq(auditLog.entityId, userId))
          : eq(auditLog.action, action),
      );

  it('offers the button on the sign-in page', async () => {
    const res = await server.anonymous().get('/api/settings/public');
    expect(res.body.sso).toEqual({ label: 'Sign in with Uni Login' });
  });

  it('a first sign-in creates the account with the mapped role and opens a session', async () => {
    const { jar, location, done } = await signIn('ada');
    expect(location).toBe('/');
    const cookie = done.headers.getSetCookie().find((c) => c.startsWith('invigil_session='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    // The flow's cookie is spent.
    expect(jar.get(at('/').host, 'invigil_oidc')).toBeUndefined();
    const who = await me(jar);
    expect(who.status).toBe(200);
    expect(who.body.user).toMatchObject({
      email: 'ada@uni.example',
      role: 'admin',
      name: 'Ada Lovelace',
    });
    const [identity] = await db()
      .select()
      .from(userIdentities)
      .where(eq(userIdentities.subject, 'ada'));
    expect(identity).toMatchObject({ issuer: idp.issuer, userId: who.body.user.id });
    const created = await auditOf('user.create', who.body.user.id);
    expect(created[0]?.data).toMatchObject({ role: 'admin', method: 'oidc', issuer: idp.issuer });
    const signedIn = await auditOf('auth.sign_in', who.body.user.id);
    expect(signedIn[0]?.data).toMatchObject({ method: 'oidc', issuer: idp.issuer });
    // The password of an account made this way is one nobody knows.
    const login = await server
      .anonymous()
      .post('/api/auth/login', { email: 'ada@uni.example', password: TEST_PASSWORD });
    expect(login.status).toBe(401);
  });

  it('later sign-ins reach the same account; a mapped claim sets the role, none leaves it', async () => {
    const first = await me((await signIn('ada')).jar);
    const saved = { ...accounts.ada };
    try {
      accounts.ada = { ...saved, groups: ['staff-proctors'] };
      const second = await me((await signIn('ada')).jar);
      expect(second.body.user).toMatchObject({ id: first.body.user.id, role: 'proctor' });
      const changes = await auditOf('user.update', first.body.user.id);
      expect(changes.at(-1)?.data).toMatchObject({
        role: 'proctor',
        previousRole: 'admin',
        method: 'oidc',
      });
      accounts.ada = { ...saved, groups: ['unmapped-group'] };
      const third = await me((await signIn('ada')).jar);
      expect(third.body.user).toMatchObject({ id: first.body.user.id, role: 'proctor' });
    } finally {
      accounts.ada = saved;
    }
  });

  it('links an existing password account with the same e-mail, keeping its role', async () => {
    const [existing] = await db().select().from(users).where(eq(users.email, 'pat@uni.example'));
    const row =
      existing ??
      (await insertUser(db(), {
        email: 'pat@uni.example',
        name: 'Pat',
        role: 'instructor',
        password: TEST_PASSWORD,
      }));
    const who = await me((await signIn('pat')).jar);
    expect(who.body.user).toMatchObject({ id: row.id, role: 'instructor' });
    const links = await auditOf('user.identity.link', row.id);
    expect(links[0]?.data).toMatchObject({ issuer: idp.issuer, subject: 'pat' });
    // The password still works beside single sign-on.
    const login = await server
      .anonymous()
      .post('/api/auth/login', { email: 'pat@uni.example', password: TEST_PASSWORD });
    expect(login.status).toBe(200);
  });

  it('claims a signed-up account whose e-mail was never verified: its password stops working', async () => {
    // Someone signed up with this address without proving it (perhaps not its owner).
    const row = await insertUser(db(), {
      email: 'early@uni.example',
      name: 'Early',
      role: 'student',
      password: TEST_PASSWORD,
    });
    const planted = server.anonymous();
    await planted.login('early@uni.example', TEST_PASSWORD);
    await db().update(users).set({ signupPending: 'email' }).where(eq(users.id, row.id));
    const who = await me((await signIn('early')).jar);
    expect(who.body.user.id).toBe(row.id);
    const [after] = await db().select().from(users).where(eq(users.id, row.id));
    expect(after?.signupPending).toBeNull();
    expect((await planted.get('/api/auth/me')).status).toBe(401);
    const login = await server
      .anonymous()
      .post('/api/auth/login', { email: 'early@uni.example', password: TEST_PASSWORD });
    expect(login.status).toBe(401);
  });

  it('refuses another subject with the e-mail of a linked account', async () => {
    await signIn('pat');
    const { location, jar } = await signIn('imposter');
    expect(location).toBe('/signin?sso_error=SSO_ACCOUNT_CONFLICT');
    expect((await me(jar)).status).toBe(401);
    const failed = await auditOf('auth.sign_in_failed', null);
    expect(
      failed.some((e) => (e.data as { reason?: string }).reason === 'SSO_ACCOUNT_CONFLICT'),
    ).toBe(true);
  });

  it('refuses a disallowed domain, an unverified or missing e-mail, and a disabled account', async () => {
    expect((await signIn('outsider')).location).toBe('/signin?sso_error=SSO_DOMAIN_NOT_ALLOWED');
    expect((await signIn('unverified')).location).toBe('/signin?sso_error=SSO_EMAIL_UNVERIFIED');
    expect((await signIn('nomail')).location).toBe('/signin?sso_error=SSO_EMAIL_MISSING');
    const ghost = await me((await signIn('ghost')).jar);
    expect(ghost.body.user.role).toBe('student');
    await db().update(users).set({ disabled: true }).where(eq(users.id, ghost.body.user.id));
    expect((await signIn('ghost')).location).toBe('/signin?sso_error=ACCOUNT_DISABLED');
    const outsiders = await db()
      .select()
      .from(users)
      .where(eq(users.email, 'someone@elsewhere.example'));
    expect(outsiders).toEqual([]);
  });

  it('refuses a callback whose state does not match the browser’s sign-in', async () => {
    const jar = new CookieJar();
    const start = await navigate(jar, at('/api/auth/oidc/start'));
    const callback = await signInAtProvider(jar, start.headers.get('location') ?? '', 'ada');
    // Another browser (no flow cookie) brings the code back: a forged sign-in link.
    const other = new CookieJar();
    const forged = await navigate(other, callback);
    expect(forged.headers.get('location')).toBe('/signin?sso_error=SSO_STATE_INVALID');
    expect((await me(other)).status).toBe(401);
    // A tampered state, in the browser that started: refused too, and the code is not used.
    const tampered = new URL(callback);
    tampered.searchParams.set('state', 'not-the-state');
    expect((await navigate(jar, tampered)).headers.get('location')).toBe(
      '/signin?sso_error=SSO_STATE_INVALID',
    );
    // API clients get the error body instead of a redirect.
    const api = await fetch(at('/api/auth/oidc/callback?code=x&state=y'));
    expect(api.status).toBe(400);
    expect(await api.json()).toMatchObject({ code: 'SSO_STATE_INVALID' });
  });

  it('answers malformed callbacks with 400 (API) or the sign-in page (page load), never a 500', async () => {
    for (const query of [`state=${'s'.repeat(600)}`, 'state=a&state=b', 'code=a&code=b']) {
      const api = await server.anonymous().get(`/api/auth/oidc/callback?${query}`);
      expect(api.status, query).toBe(400);
      expect(api.body.code, query).toBe('VALIDATION_FAILED');
      const page = await navigate(new CookieJar(), at(`/api/auth/oidc/callback?${query}`));
      expect(page.status, query).toBe(303);
      expect(page.headers.get('location'), query).toBe('/signin?sso_error=SSO_STATE_INVALID');
    }
  });

  it('a sign-in cancelled at the provider comes back refused', async () => {
    const jar = new CookieJar();
    const start = await navigate(jar, at('/api/auth/oidc/start'));
    const toInteraction = await navigate(jar, new URL(start.headers.get('location') ?? ''));
    const interaction = new URL(toInteraction.headers.get('location') ?? '', idp.issuer);
    const callback = await signInAtProvider(jar, `${interaction.href}/abort`, 'ada');
    const done = await navigate(jar, callback);
    expect(done.headers.get('location')).toBe('/signin?sso_error=SSO_DENIED');
  });
});

describe('single sign-on with its provider down', () => {
  let server: TestServer;

  beforeAll(async () => {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    server = await startTestServer('pglite', { oidc: settings('http://127.0.0.1:9') });
  });
  afterAll(async () => server?.close());

  it('answers 503 SSO_UNAVAILABLE (a page load goes back to sign-in); passwords still work', async () => {
    const api = await server.anonymous().get('/api/auth/oidc/start');
    expect(api.status).toBe(503);
    expect(api.body.code).toBe('SSO_UNAVAILABLE');
    const page = await navigate(new CookieJar(), new URL('/api/auth/oidc/start', server.url));
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/signin?sso_error=SSO_UNAVAILABLE');
    const settingsRes = await server.anonymous().get('/api/settings/public');
    expect(settingsRes.body.sso).toEqual({ label: 'Sign in with Uni Login' });
    await server.signedIn('student');
  });
});
