import { eq } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { auditLog, examStaff, ltiResourceLinks, userIdentities, users } from '../src/db/schema.js';
import { HttpClient } from './helpers/http-client.js';
import { formOf } from './helpers/lti-browser.js';
import { cspAllowsScript, person, useLtiLaunchServer } from './helpers/lti-fixture.js';
import { LTI_ROLES, startLtiPlatform } from './helpers/lti-platform.js';
import { engines } from './helpers/test-server.js';

/**
 * LTI 1.3 launches from a test platform (the emulator on 127.0.0.1, another site than the
 * tool at localhost), driven over HTTP as the browser would: login initiation, the platform's
 * authorisation endpoint, the id_token form post, the handoff to a signed-in window.
 */
describe.each(engines())('LTI 1.3 launches on %s', (engine) => {
  const lti = useLtiLaunchServer(engine);
  const { db, browser, launch, failures } = lti;

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

      const client = new HttpClient(lti.server.url);
      client.cookie = `invigil_session=${b.session}`;
      const me = await client.get('/api/auth/me');
      expect(me.status).toBe(200);
      expect(me.body.user).toMatchObject({ role: 'student', name: 'Grace Hopper' });
      expect(me.body.user.email).toBe(student.email);
      const mine = await client.get('/api/me/registrations');
      expect(mine.status).toBe(200);
      const sessionId = done.location!.split('/').at(-1);
      expect(JSON.stringify(mine.body)).toContain(sessionId);
      expect(JSON.stringify(mine.body)).toContain(lti.examId);

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
        .where(eq(ltiResourceLinks.examId, lti.examId));
      expect(link).toMatchObject({ resourceLinkId: 'link-1', contextId: 'course-1' });
      expect(link!.membershipsUrl).toContain(lti.platform.url);
      expect(link!.lineItemsUrl).toContain(lti.platform.url);

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
        lti.platform.launchUrl({ kind: 'resource', user: student, resourceLinkId: 'link-1' }),
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
    expect(done.location).toBe(`/admin/exams/${lti.examId}`);
    const [account] = await db().select().from(users).where(eq(users.email, teacher.email!));
    expect(account?.role).toBe('instructor');
    const staff = await db().select().from(examStaff).where(eq(examStaff.userId, account!.id));
    expect(staff).toEqual([expect.objectContaining({ examId: lti.examId, role: 'instructor' })]);
    const client = new HttpClient(lti.server.url);
    client.cookie = `invigil_session=${b.session}`;
    expect((await client.get(`/api/exams/${lti.examId}`)).status).toBe(200);
  });

  it('deep linking: an instructor creates an exam and the platform gets a signed link to it', async () => {
    const teacher = person([LTI_ROLES.instructor], 'Barbara Liskov');
    const b = browser();
    const launched = await b.launch(lti.platform.launchUrl({ kind: 'deep-link', user: teacher }));
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
      `form-action 'self' ${lti.platform.url}`,
    );
    const form = formOf(answer.html);
    expect(form.action).toBe(`${lti.platform.url}/deep-link-return`);
    const returned = await b.post(form);
    expect(returned.status, returned.html).toBeLessThan(400);

    expect(lti.platform.deepLinkReturns).toHaveLength(1);
    const { payload } = lti.platform.deepLinkReturns[0]!;
    expect(payload).toMatchObject({
      iss: lti.platform.clientId,
      aud: lti.platform.issuer,
      'https://purl.imsglobal.org/spec/lti/claim/message_type': 'LtiDeepLinkingResponse',
      'https://purl.imsglobal.org/spec/lti/claim/version': '1.3.0',
      'https://purl.imsglobal.org/spec/lti/claim/deployment_id': lti.platform.deploymentId,
    });
    const items = payload['https://purl.imsglobal.org/spec/lti-dl/claim/content_items'] as {
      custom: { invigil_exam_id: string };
    }[];
    const item = items[0]!;
    expect(item).toMatchObject({
      type: 'ltiResourceLink',
      title: 'Deep-linked quiz',
      url: `${lti.toolUrl}/lti/launch`,
      lineItem: { label: 'Deep-linked quiz', scoreMaximum: 100 },
      available: { startDateTime: opensAt.toISOString(), endDateTime: closesAt.toISOString() },
    });
    const client = new HttpClient(lti.server.url);
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
    const launched = await b.launch(lti.platform.launchUrl({ kind: 'deep-link', user: teacher }));
    expect(launched.status).toBe(303);
    const chooser = await b.fetch(launched.location!);
    expect(chooser.html).toContain('Statistics final');
    expect(chooser.html).toContain(`value="${lti.examId}"`);
    const returns = lti.platform.deepLinkReturns.length;
    const answer = await b.fetch(launched.location!, { form: { examId: lti.examId } });
    expect(answer.status, answer.html).toBe(200);
    expect((await b.post(formOf(answer.html))).status).toBeLessThan(400);
    expect(lti.platform.deepLinkReturns).toHaveLength(returns + 1);
    const items = lti.platform.deepLinkReturns.at(-1)!.payload[
      'https://purl.imsglobal.org/spec/lti-dl/claim/content_items'
    ] as { title: string; custom: Record<string, string> }[];
    expect(items[0]).toMatchObject({
      title: 'Statistics final',
      custom: { invigil_exam_id: lti.examId },
    });
  });

  it('teaching assistants become proctors where the platform says so', async () => {
    const other = await startLtiPlatform({ clientId: 'proctoring-client' });
    try {
      other.setTool(lti.toolUrl);
      const created = await lti.admin.post('/api/lti/platforms', {
        ...other.platformInput(),
        instructorRole: 'proctor',
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const assistant = person([LTI_ROLES.teachingAssistant], 'Tess Assistant');
      const b = browser();
      const page = await b.launch(
        other.launchUrl({
          kind: 'resource',
          user: assistant,
          custom: { invigil_exam_id: lti.examId },
        }),
      );
      expect(page.status, page.html).toBe(200);
      const done = await b.post(formOf(page.html));
      expect(done.location).toBe(`/proctor/exams/${lti.examId}/live`);
      const [account] = await db().select().from(users).where(eq(users.email, assistant.email!));
      expect(account?.role).toBe('proctor');
      const staff = await db().select().from(examStaff).where(eq(examStaff.userId, account!.id));
      expect(staff).toEqual([expect.objectContaining({ examId: lti.examId, role: 'proctor' })]);
    } finally {
      await other.close();
    }
  });

  it('follows a platform key rotation (an unknown kid refetches the JWKS)', async () => {
    const before = await browser().launch(launch({ user: person([LTI_ROLES.learner]) }));
    expect(before.status).toBe(200);
    await lti.platform.rotateKey();
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
    const res = await fetch(`${lti.toolUrl}/lti/jwks`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { keys: { kid: string; kty: string; d?: string }[] };
    expect(body.keys.length).toBeGreaterThan(0);
    expect(body.keys.every((k) => k.kty === 'RSA' && k.d === undefined)).toBe(true);
  });
});
