import { asc, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  auditLog,
  examStaff,
  ltiHandoffs,
  ltiResourceLinks,
  userIdentities,
  users,
} from '../src/db/schema.js';
import { buildExam } from './helpers/factories.js';
import { HttpClient } from './helpers/http-client.js';
import { formOf, LtiBrowser, type PageResponse } from './helpers/lti-browser.js';
import {
  LTI_ROLES,
  startLtiPlatform,
  type EmulatorUser,
  type LaunchOptions,
  type LtiPlatformEmulator,
} from './helpers/lti-platform.js';
import { freePort } from './helpers/postgres.js';
import { engines, startTestServer, type TestServer } from './helpers/test-server.js';

let people = 0;
/** A new person at the platform. */
const person = (roles: string[], name = 'Ada Lovelace'): EmulatorUser => {
  people += 1;
  return {
    sub: `sub-${people}-${Math.random().toString(36).slice(2, 8)}`,
    name,
    email: `person${people}.${Math.random().toString(36).slice(2, 8)}@uni.example`,
    roles,
  };
};

/** The CSP nonce of a page's script, and whether the CSP header allows exactly it. */
function cspAllowsScript(page: PageResponse): boolean {
  const csp = page.headers.get('content-security-policy') ?? '';
  const nonce = /<script nonce="([^"]+)"/.exec(page.html)?.[1];
  return nonce !== undefined && csp.includes(`script-src 'nonce-${nonce}'`);
}

/**
 * LTI 1.3 launches from a test platform (the emulator on 127.0.0.1, another site than the
 * tool at localhost), driven over HTTP as the browser would: login initiation, the platform's
 * authorisation endpoint, the id_token form post, the handoff to a signed-in window.
 */
describe.each(engines())('LTI 1.3 launches on %s', (engine) => {
  let server: TestServer;
  let platform: LtiPlatformEmulator;
  let toolUrl: string;
  let admin: HttpClient & { userId: string };
  let instructor: HttpClient & { userId: string };
  let examId: string;

  beforeAll(async () => {
    const port = await freePort();
    toolUrl = `http://localhost:${port}`;
    server = await startTestServer(engine, { port, publicUrl: toolUrl });
    platform = await startLtiPlatform();
    platform.setTool(toolUrl);
    admin = await server.signedIn('admin');
    instructor = await server.signedIn('instructor');
    const created = await admin.post('/api/lti/platforms', platform.platformInput());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const exam = await instructor.post('/api/exams', buildExam({ title: 'Statistics final' }));
    expect(exam.status).toBe(201);
    examId = exam.body.id;
  });
  afterAll(async () => {
    await platform?.close();
    await server?.close();
  });

  const db = () => server.instance.database.db;
  const browser = () => new LtiBrowser(toolUrl);
  const launch = (o: Partial<LaunchOptions> & { user: EmulatorUser }) =>
    platform.launchUrl({ kind: 'resource', custom: { invigil_exam_id: examId }, ...o });

  /** Rows that a refused launch must not have added. */
  async function footprint() {
    const [u] = await db().select({ n: count() }).from(users);
    const [i] = await db().select({ n: count() }).from(userIdentities);
    const [l] = await db().select({ n: count() }).from(ltiResourceLinks);
    const [h] = await db().select({ n: count() }).from(ltiHandoffs);
    return { users: u?.n, identities: i?.n, links: l?.n, handoffs: h?.n };
  }

  /** The newest lti.launch_failed entries' reasons. */
  async function failures(): Promise<unknown[]> {
    const rows = await db()
      .select({ data: auditLog.data })
      .from(auditLog)
      .where(eq(auditLog.action, 'lti.launch_failed'))
      .orderBy(asc(auditLog.id));
    return rows.map((r) => (r.data as { reason?: unknown }).reason);
  }

  /** A refused launch: its status, an error page with its code, audited, nothing created. */
  async function expectRefused(
    run: () => Promise<PageResponse>,
    status: number,
    code: string,
  ): Promise<void> {
    const before = await footprint();
    const audited = (await failures()).length;
    const page = await run();
    expect(page.status, page.html).toBe(status);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.html).toContain(`<code>${code}</code>`);
    expect(page.html).toContain('lang="en"');
    expect(page.html).not.toContain('<script');
    const reasons = await failures();
    expect(reasons.length).toBe(audited + 1);
    expect(reasons.at(-1)).toBe(code);
    expect(await footprint()).toEqual(before);
  }

  describe('a student', () => {
    it('is created, registered, handed a session and lands on the exam’s check-in', async () => {
      const student = person([LTI_ROLES.learner], 'Grace Hopper');
      const b = browser();
      const page = await b.launch(launch({ user: student }));
      expect(page.status, page.html).toBe(200);
      expect(page.html).toContain('Statistics final');
      expect(page.html).toContain('Grace Hopper');
      expect(page.html).toContain('Open Invigil in a new window');
      // At top level the page posts the handoff itself, with a nonced script the CSP allows.
      expect(cspAllowsScript(page)).toBe(true);
      expect(page.headers.get('content-security-policy')).toContain('frame-ancestors *');
      expect(page.headers.get('x-frame-options')).toBeNull();
      // The state cookie was spent by the launch.
      expect(b.cookies.has('invigil_lti_state')).toBe(false);
      expect(b.session).toBeUndefined();

      const handoff = formOf(page.html);
      expect(handoff.action).toBe('/lti/handoff');
      const done = await b.post(handoff);
      expect(done.status).toBe(303);
      expect(done.location).toMatch(/^\/student\/sessions\/[0-9a-f-]{36}$/);
      expect(b.session).toBeDefined();

      const client = new HttpClient(server.url);
      client.cookie = `invigil_session=${b.session}`;
      const me = await client.get('/api/auth/me');
      expect(me.status).toBe(200);
      expect(me.body.user).toMatchObject({ role: 'student', name: 'Grace Hopper' });
      expect(me.body.user.email).toBe(student.email);
      const mine = await client.get('/api/me/registrations');
      expect(mine.status).toBe(200);
      const sessionId = done.location!.split('/').at(-1);
      expect(JSON.stringify(mine.body)).toContain(sessionId);
      expect(JSON.stringify(mine.body)).toContain(examId);

      // The handoff is single-use (a refusal audited like any other).
      const audited = (await failures()).length;
      const again = await b.post(handoff);
      expect(again.status).toBe(400);
      expect(again.html).toContain('LTI_STATE_INVALID');
      expect((await failures()).length).toBe(audited + 1);

      // The link is remembered with the platform's service endpoints.
      const [link] = await db()
        .select()
        .from(ltiResourceLinks)
        .where(eq(ltiResourceLinks.examId, examId));
      expect(link).toMatchObject({ resourceLinkId: 'link-1', contextId: 'course-1' });
      expect(link!.membershipsUrl).toContain(platform.url);
      expect(link!.lineItemsUrl).toContain(platform.url);

      const signIns = await db()
        .select({ data: auditLog.data })
        .from(auditLog)
        .where(eq(auditLog.action, 'auth.sign_in'));
      expect(signIns.some((r) => (r.data as { method?: string }).method === 'lti')).toBe(true);
    });

    it('launches again into the same account and registration (by the link, no custom)', async () => {
      const student = person([LTI_ROLES.learner]);
      const first = await browser().launch(launch({ user: student }));
      expect(first.status).toBe(200);
      const b = browser();
      const second = await b.launch(
        platform.launchUrl({ kind: 'resource', user: student, resourceLinkId: 'link-1' }),
      );
      expect(second.status, second.html).toBe(200);
      const done = await b.post(formOf(second.html));
      expect(done.status).toBe(303);
      const identities = await db()
        .select()
        .from(userIdentities)
        .where(eq(userIdentities.subject, student.sub));
      expect(identities).toHaveLength(1);
    });

    it('inside the platform’s iframe, gets a button that opens a new window', async () => {
      const b = browser();
      const page = await b.launch(launch({ user: person([LTI_ROLES.learner]) }), {
        'sec-fetch-dest': 'iframe',
      });
      expect(page.status).toBe(200);
      expect(page.html).toContain('target="_blank"');
      expect(page.html).toContain('<button type="submit">Open Invigil in a new window</button>');
      expect(page.html).not.toContain('<script');
      // No session cookie inside the frame: only the new window's handoff sets one.
      expect(b.session).toBeUndefined();
      const done = await b.post(formOf(page.html));
      expect(done.status).toBe(303);
      expect(b.session).toBeDefined();
    });
  });

  it('an instructor becomes staff of the exam and lands on its page', async () => {
    const teacher = person([LTI_ROLES.instructor], 'Alan Turing');
    const b = browser();
    const page = await b.launch(launch({ user: teacher }));
    expect(page.status, page.html).toBe(200);
    const done = await b.post(formOf(page.html));
    expect(done.status).toBe(303);
    expect(done.location).toBe(`/admin/exams/${examId}`);
    const [account] = await db().select().from(users).where(eq(users.email, teacher.email!));
    expect(account?.role).toBe('instructor');
    const staff = await db().select().from(examStaff).where(eq(examStaff.userId, account!.id));
    expect(staff).toEqual([expect.objectContaining({ examId, role: 'instructor' })]);
    const client = new HttpClient(server.url);
    client.cookie = `invigil_session=${b.session}`;
    expect((await client.get(`/api/exams/${examId}`)).status).toBe(200);
  });

  it('deep linking: an instructor creates an exam and the platform gets a signed link to it', async () => {
    const teacher = person([LTI_ROLES.instructor], 'Barbara Liskov');
    const b = browser();
    const launched = await b.launch(platform.launchUrl({ kind: 'deep-link', user: teacher }));
    expect(launched.status, launched.html).toBe(303);
    expect(launched.location).toMatch(/^\/lti\/deep-link\/[\w-]+$/);
    const chooser = await b.fetch(launched.location!);
    expect(chooser.status, chooser.html).toBe(200);
    expect(chooser.html).toContain('Create and add');
    expect(cspAllowsScript(chooser)).toBe(true);

    const opensAt = new Date(Date.now() + 86_400_000);
    const closesAt = new Date(opensAt.getTime() + 3 * 3_600_000);
    const answer = await b.fetch(launched.location!, {
      form: {
        create: '1',
        title: 'Deep-linked quiz',
        opensAt: '',
        closesAt: '',
        opensAtIso: opensAt.toISOString(),
        closesAtIso: closesAt.toISOString(),
        durationMinutes: '45',
      },
    });
    expect(answer.status, answer.html).toBe(200);
    expect(cspAllowsScript(answer)).toBe(true);
    expect(answer.headers.get('content-security-policy')).toContain(
      `form-action 'self' ${platform.url}`,
    );
    const form = formOf(answer.html);
    expect(form.action).toBe(`${platform.url}/deep-link-return`);
    const returned = await b.post(form);
    expect(returned.status, returned.html).toBeLessThan(400);

    expect(platform.deepLinkReturns).toHaveLength(1);
    const { payload } = platform.deepLinkReturns[0]!;
    expect(payload).toMatchObject({
      iss: platform.clientId,
      aud: platform.issuer,
      'https://purl.imsglobal.org/spec/lti/claim/message_type': 'LtiDeepLinkingResponse',
      'https://purl.imsglobal.org/spec/lti/claim/version': '1.3.0',
      'https://purl.imsglobal.org/spec/lti/claim/deployment_id': platform.deploymentId,
    });
    const items = payload['https://purl.imsglobal.org/spec/lti-dl/claim/content_items'] as {
      custom: { invigil_exam_id: string };
    }[];
    const item = items[0]!;
    expect(item).toMatchObject({
      type: 'ltiResourceLink',
      title: 'Deep-linked quiz',
      url: `${toolUrl}/lti/launch`,
      lineItem: { label: 'Deep-linked quiz', scoreMaximum: 100 },
      available: { startDateTime: opensAt.toISOString(), endDateTime: closesAt.toISOString() },
    });
    const client = new HttpClient(server.url);
    const [account] = await db().select().from(users).where(eq(users.email, teacher.email!));
    const [assigned] = await db()
      .select()
      .from(examStaff)
      .where(eq(examStaff.examId, item.custom.invigil_exam_id));
    expect(assigned?.userId).toBe(account!.id);
    expect(client).toBeDefined();

    // The request is used up.
    const reuse = await b.fetch(launched.location!);
    expect(reuse.status).toBe(404);
    expect(reuse.html).toContain('LTI_DEEP_LINK_INVALID');
  });

  it('deep linking: an instructor places an exam they manage', async () => {
    const teacher = person([LTI_ROLES.instructor], 'Edsger Dijkstra');
    // First a resource launch: the instructor becomes staff of the exam.
    const staff = await browser().launch(launch({ user: teacher }));
    expect(staff.status).toBe(200);
    const b = browser();
    const launched = await b.launch(platform.launchUrl({ kind: 'deep-link', user: teacher }));
    expect(launched.status).toBe(303);
    const chooser = await b.fetch(launched.location!);
    expect(chooser.html).toContain('Statistics final');
    expect(chooser.html).toContain(`value="${examId}"`);
    const returns = platform.deepLinkReturns.length;
    const answer = await b.fetch(launched.location!, { form: { examId } });
    expect(answer.status, answer.html).toBe(200);
    expect((await b.post(formOf(answer.html))).status).toBeLessThan(400);
    expect(platform.deepLinkReturns).toHaveLength(returns + 1);
    const items = platform.deepLinkReturns.at(-1)!.payload[
      'https://purl.imsglobal.org/spec/lti-dl/claim/content_items'
    ] as { title: string; custom: Record<string, string> }[];
    expect(items[0]).toMatchObject({
      title: 'Statistics final',
      custom: { invigil_exam_id: examId },
    });
  });

  it('a student cannot launch into an exam that is not published yet', async () => {
    const draft = await instructor.post(
      '/api/exams',
      buildExam({ title: 'Unpublished', status: 'draft', externalUrl: null }),
    );
    expect(draft.status).toBe(201);
    await expectRefused(
      () =>
        browser().launch(
          platform.launchUrl({
            kind: 'resource',
            resourceLinkId: 'link-draft',
            custom: { invigil_exam_id: draft.body.id },
            user: person([LTI_ROLES.learner]),
          }),
        ),
      409,
      'EXAM_NOT_OPEN',
    );
  });

  it('teaching assistants become proctors where the platform says so', async () => {
    const other = await startLtiPlatform({ clientId: 'proctoring-client' });
    try {
      other.setTool(toolUrl);
      const created = await admin.post('/api/lti/platforms', {
        ...other.platformInput(),
        instructorRole: 'proctor',
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const assistant = person([LTI_ROLES.teachingAssistant], 'Tess Assistant');
      const b = browser();
      const page = await b.launch(
        other.launchUrl({ kind: 'resource', user: assistant, custom: { invigil_exam_id: examId } }),
      );
      expect(page.status, page.html).toBe(200);
      const done = await b.post(formOf(page.html));
      expect(done.location).toBe(`/proctor/exams/${examId}/live`);
      const [account] = await db().select().from(users).where(eq(users.email, assistant.email!));
      expect(account?.role).toBe('proctor');
      const staff = await db().select().from(examStaff).where(eq(examStaff.userId, account!.id));
      expect(staff).toEqual([expect.objectContaining({ examId, role: 'proctor' })]);
    } finally {
      await other.close();
    }
  });

  it('deep linking is refused to a learner', async () => {
    await expectRefused(
      () =>
        browser().launch(
          platform.launchUrl({ kind: 'deep-link', user: person([LTI_ROLES.learner]) }),
        ),
      403,
      'LTI_ROLE_NOT_ALLOWED',
    );
  });

  describe('refuses, audits and creates nothing for', () => {
    it('an unknown issuer', async () => {
      await expectRefused(
        () =>
          browser().launch(
            launch({
              user: person([LTI_ROLES.learner]),
              loginParams: { iss: 'https://unknown-lms.example', client_id: null },
            }),
          ),
        400,
        'LTI_UNKNOWN_ISSUER',
      );
    });

    it('a token for another audience', async () => {
      await expectRefused(
        () =>
          browser().launch(
            launch({
              user: person([LTI_ROLES.learner]),
              idToken: { claims: { aud: 'another-tool', azp: undefined } },
            }),
          ),
        401,
        'LTI_BAD_AUDIENCE',
      );
    });

    it('several audiences without this tool as azp', async () => {
      await expectRefused(
        () =>
          browser().launch(
            launch({
              user: person([LTI_ROLES.learner]),
              idToken: { claims: { aud: [platform.clientId, 'other'], azp: 'other' } },
            }),
          ),
        401,
        'LTI_BAD_AUDIENCE',
      );
    });

    it('an expired token', async () => {
      const now = Math.floor(Date.now() / 1000);
      await expectRefused(
        () =>
          browser().launch(
            launch({
              user: person([LTI_ROLES.learner]),
              idToken: { claims: { iat: now - 3600, exp: now - 600 } },
            }),
          ),
        401,
        'LTI_TOKEN_EXPIRED',
      );
    });

    it('a token signed by a key the platform never published', async () => {
      await expectRefused(
        () =>
          browser().launch(
            launch({ user: person([LTI_ROLES.learner]), idToken: { sign: { key: 'rogue' } } }),
          ),
        401,
        'LTI_BAD_SIGNATURE',
      );
    });

    it('an unsigned token', async () => {
      await expectRefused(
        () =>
          browser().launch(
            launch({ user: person([LTI_ROLES.learner]), idToken: { sign: { alg: 'none' } } }),
          ),
        401,
        'LTI_BAD_SIGNATURE',
      );
    });

    it('a replayed launch (same state, same token)', async () => {
      const b = browser();
      const first = await b.launch(launch({ user: person([LTI_ROLES.learner]) }));
      expect(first.status).toBe(200);
      const replay = b.lastLaunchForm!;
      await expectRefused(
        async () => {
          // The state cookie as the browser had it before the launch spent it.
          const again = new LtiBrowser(toolUrl);
          again.cookies.set('invigil_lti_state', replay.fields.state!);
          return again.post(replay);
        },
        401,
        'LTI_NONCE_INVALID',
      );
    });

    it('a token replayed into a new login (its nonce is not the new state’s)', async () => {
      const b = browser();
      const first = await b.launch(launch({ user: person([LTI_ROLES.learner]) }));
      expect(first.status).toBe(200);
      const stolen = b.lastLaunchForm!.fields.id_token!;
      const attacker = browser();
      const login = await attacker.fetch(launch({ user: person([LTI_ROLES.learner]) }));
      const state = new URL(login.location!).searchParams.get('state')!;
      await expectRefused(
        () =>
          attacker.post({ action: `${toolUrl}/lti/launch`, fields: { id_token: stolen, state } }),
        401,
        'LTI_NONCE_INVALID',
      );
    });

    it('an unknown deployment', async () => {
      await expectRefused(
        () =>
          browser().launch(
            launch({
              user: person([LTI_ROLES.learner]),
              deploymentId: 'not-registered',
              loginParams: { lti_deployment_id: null },
            }),
          ),
        403,
        'LTI_UNKNOWN_DEPLOYMENT',
      );
      // Named at login already: refused there.
      await expectRefused(
        () =>
          browser().launch(
            launch({ user: person([LTI_ROLES.learner]), deploymentId: 'not-registered' }),
          ),
        403,
        'LTI_UNKNOWN_DEPLOYMENT',
      );
    });

    it('a launch without the state cookie, or with another browser’s', async () => {
      const b = browser();
      const login = await b.fetch(launch({ user: person([LTI_ROLES.learner]) }));
      const auth = await b.fetch(login.location!);
      const form = formOf(auth.html);
      await expectRefused(() => new LtiBrowser(toolUrl).post(form), 400, 'LTI_STATE_INVALID');
      const other = new LtiBrowser(toolUrl);
      other.cookies.set('invigil_lti_state', 'someone-elses-state');
      await expectRefused(() => other.post(form), 400, 'LTI_STATE_INVALID');
      // A state nobody issued, cookie and form agreeing.
      const forged = new LtiBrowser(toolUrl);
      forged.cookies.set('invigil_lti_state', 'forged');
      await expectRefused(
        () => forged.post({ action: form.action, fields: { ...form.fields, state: 'forged' } }),
        400,
        'LTI_STATE_INVALID',
      );
    });

    it('a link to no exam', async () => {
      await expectRefused(
        () =>
          browser().launch(
            platform.launchUrl({
              kind: 'resource',
              user: person([LTI_ROLES.learner]),
              resourceLinkId: 'link-without-exam',
            }),
          ),
        404,
        'LTI_EXAM_NOT_LINKED',
      );
    });

    it('a role that maps to nothing', async () => {
      await expectRefused(
        () =>
          browser().launch(
            launch({ user: person(['http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor']) }),
          ),
        403,
        'LTI_ROLE_NOT_ALLOWED',
      );
    });

    it('an admin account claimed by e-mail', async () => {
      const [adminRow] = await db().select().from(users).where(eq(users.id, admin.userId));
      const claimant = { ...person([LTI_ROLES.learner]), email: adminRow!.email };
      await expectRefused(
        () => browser().launch(launch({ user: claimant })),
        409,
        'LTI_ACCOUNT_CONFLICT',
      );
    });
  });

  it('follows a platform key rotation (an unknown kid refetches the JWKS)', async () => {
    const before = await browser().launch(launch({ user: person([LTI_ROLES.learner]) }));
    expect(before.status).toBe(200);
    await platform.rotateKey();
    // Past the refetch cooldown (30 s) that protects platforms from a kid-guessing flood.
    const now = Date.now;
    const spy = vi.spyOn(Date, 'now').mockImplementation(() => now.call(Date) + 31_000);
    try {
      const after = await browser().launch(launch({ user: person([LTI_ROLES.learner]) }));
      expect(after.status, after.html).toBe(200);
    } finally {
      spy.mockRestore();
    }
  });

  it('publishes its JWKS', async () => {
    const res = await fetch(`${toolUrl}/lti/jwks`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { keys: { kid: string; kty: string; d?: string }[] };
    expect(body.keys.length).toBeGreaterThan(0);
    expect(body.keys.every((k) => k.kty === 'RSA' && k.d === undefined)).toBe(true);
  });
});
